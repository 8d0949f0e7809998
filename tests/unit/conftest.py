"""Unit tests build model objects without an app: every feature's models must be mapped first."""

from hplearn.app import load_models

load_models()
