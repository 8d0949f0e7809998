"""hplearn (和平学习): the free online learning platform of 和平区, Tianjin."""

__version__ = "0.1.0"
