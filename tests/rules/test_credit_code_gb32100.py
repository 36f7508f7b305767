"""The unified social credit code identifies the applying unit (Art. 15, Art. 21; GB 32100-2015)."""

from __future__ import annotations

import pytest

from handlers.credit_code import (
    credit_code_check_char,
    make_credit_code,
    normalise_credit_code,
    organisation_check_char,
    validate_credit_code,
)

REAL_CODE = "91350100M000100Y43"


def test_a_real_world_credit_code_is_accepted():
    assert validate_credit_code(REAL_CODE) is None


def test_the_real_codes_embedded_organisation_code_has_a_valid_gb11714_check():
    assert organisation_check_char("M000100Y") == "4"
    assert credit_code_check_char(REAL_CODE[:17]) == "3"


def test_make_credit_code_appends_the_gb32100_check_character():
    code = make_credit_code(REAL_CODE[:17])
    assert code == REAL_CODE


def test_make_credit_code_from_16_characters_completes_both_check_characters():
    code = make_credit_code("9137150012345678")
    assert len(code) == 18
    assert code[16] == organisation_check_char("12345678")
    assert validate_credit_code(code) is None


def test_check_character_31_becomes_0():
    # All-zero prefix: weighted sum 0, 31 - 0 = 31 -> '0'.
    assert credit_code_check_char("0" * 17) == "0"


@pytest.mark.parametrize(("body", "expected"), [("00000000", "0"), ("40000000", "X")])
def test_organisation_check_character_11_becomes_0_and_10_becomes_x(body, expected):
    assert organisation_check_char(body) == expected


def test_a_wrong_check_character_is_refused():
    wrong = REAL_CODE[:17] + ("4" if REAL_CODE[17] != "4" else "5")
    assert "校验位" in (validate_credit_code(wrong) or "")


def test_a_wrong_organisation_check_character_is_refused_unless_that_check_is_switched_off():
    prefix = REAL_CODE[:16] + "5"  # GB 11714 check of M000100Y is 4
    code = make_credit_code(prefix)
    assert "组织机构代码" in (validate_credit_code(code) or "")
    assert validate_credit_code(code, check_organisation_code=False) is None


@pytest.mark.parametrize(
    ("code", "fragment"),
    [
        (None, "未填写"),
        ("", "未填写"),
        ("91350100M000100Y4", "18位"),
        ("91350100M000100Y433", "18位"),
        ("91350100m000100y43", "大写"),
        (" 91350100M000100Y43", "空格"),
        ("91350100M000100I43", "不允许的字符"),
        ("91350100M000100O43", "不允许的字符"),
    ],
)
def test_malformed_credit_codes_are_refused_with_a_reason(code, fragment):
    message = validate_credit_code(code)
    assert message is not None and fragment in message


def test_normalise_strips_and_uppercases_what_users_type():
    assert normalise_credit_code(" 91350100m000100y43 ") == REAL_CODE


@pytest.mark.parametrize("prefix", ["123", "0" * 18, "I" * 17])
def test_make_credit_code_rejects_a_bad_prefix(prefix):
    with pytest.raises(ValueError):
        make_credit_code(prefix)
