

def test_superscript_and_other_digits_int_refuses_are_no_grade():
    from hplearn.vocab import parse_grade

    assert parse_grade("¹") is None and parse_grade("²年级") is None
    assert parse_grade("７") == 7  # full-width digits are decimal: int() reads them
