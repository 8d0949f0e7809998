"""A student's alias is a stored random code, not something computed from the account id."""

import hashlib

from hplearn.accounts.models import ALIAS_ALPHABET, ALIAS_LENGTH, User, new_alias_code


def _old_alias(user_id: int) -> str:
    digest = hashlib.blake2b(f"hplearn-alias:{user_id}".encode(), digest_size=3).hexdigest()
    return f"同学{digest.upper()}"


def test_alias_is_not_derived_from_the_id():
    first, second = User(id=7, username="a", role="student"), User(id=7, username="b", role="student")
    assert first.alias != second.alias  # the same id, two different aliases: no function of the id
    assert first.alias != _old_alias(7)


def test_alias_is_a_random_code_of_the_alphabet():
    codes = {new_alias_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(len(code) == ALIAS_LENGTH and set(code) <= set(ALIAS_ALPHABET) for code in codes)


def test_a_given_code_is_kept():
    assert User(id=1, username="a", role="student", alias_code="7K3QX9MD").alias == "同学7K3QX9MD"
