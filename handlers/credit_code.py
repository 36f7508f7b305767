"""The unified social credit code (统一社会信用代码), GB 32100-2015.

The measure identifies an applying unit by this code (eligibility to apply, Art. 15 and
Art. 21, docs/DOMAIN.md §4). 18 characters:

- 1: registration authority, 2: entity type, 3–8: administrative division code,
- 9–17: the organisation code (组织机构代码, GB 11714: 8 body characters + 1 check character),
- 18: the check character over the first 17 characters.
"""

from __future__ import annotations

CREDIT_CODE_LENGTH = 18

# GB 32100-2015: the 31 characters in use (no I, O, S, V, Z); a character's value is its index.
CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUES = {c: i for i, c in enumerate(CHARSET)}

# GB 32100-2015: weight of position i (0-based) is 3**i mod 31.
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))

# GB 11714: weights of the 8 body characters of the organisation code.
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def normalise_credit_code(code: str) -> str:
    """Strip surrounding blanks and upper-case, as users type the code (docs/DOMAIN.md §8 `credit_code`)."""
    return code.strip().upper()


def credit_code_check_char(prefix17: str) -> str:
    """GB 32100-2015 check character (position 18) for the first 17 characters.

    Used to identify the applying unit (Art. 15, Art. 21). Raises ValueError on a bad prefix.
    """
    if len(prefix17) != 17 or any(c not in _VALUES for c in prefix17):
        raise ValueError(f"统一社会信用代码前17位应由规定字符组成: {prefix17!r}")
    total = sum(_VALUES[c] * w for c, w in zip(prefix17, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def organisation_check_char(body8: str) -> str:
    """GB 11714 check character of the organisation code embedded in positions 9–17.

    Letters count 10 for A … 35 for Z. check = 11 − (Σ value·weight mod 11); 10 → 'X', 11 → '0'.
    Used for the applying unit's identity (Art. 15, Art. 21). Raises ValueError on a bad body.
    """
    if len(body8) != 8 or any(not (c.isdigit() or "A" <= c <= "Z") for c in body8):
        raise ValueError(f"组织机构代码本体应为8位数字或大写字母: {body8!r}")
    total = sum(int(c, 36) * w for c, w in zip(body8, ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    if check == 10:
        return "X"
    if check == 11:
        return "0"
    return str(check)


def validate_credit_code(code: object, *, check_organisation_code: bool = True) -> str | None:
    """Validate a unified social credit code; return a Chinese error message or None if valid.

    Identity of the applying unit for the once-per-round rule (Art. 15) and the 3-year ban
    (Art. 21). Checks length, character set, the GB 32100-2015 check character and, unless
    ``check_organisation_code`` is False, the GB 11714 check character of positions 9–17.
    """
    if not isinstance(code, str) or not code.strip():
        return "统一社会信用代码未填写"
    if code != code.strip():
        return "统一社会信用代码前后不应有空格"
    if len(code) != CREDIT_CODE_LENGTH:
        return f"统一社会信用代码应为18位，实际为{len(code)}位"
    if code != code.upper():
        return "统一社会信用代码中的字母应为大写"
    bad = sorted({c for c in code if c not in _VALUES})
    if bad:
        return f"统一社会信用代码含有不允许的字符：{''.join(bad)}（不使用 I、O、S、V、Z）"
    if credit_code_check_char(code[:17]) != code[17]:
        return "统一社会信用代码校验位错误，请核对"
    if check_organisation_code and organisation_check_char(code[8:16]) != code[16]:
        return "统一社会信用代码中的组织机构代码（第9–17位）校验位错误，请核对"
    return None


def make_credit_code(prefix: str) -> str:
    """Complete a credit code (for tests and demo data; Art. 15 identity of the unit).

    A 17-character prefix gets the GB 32100-2015 check character appended. A 16-character
    prefix first gets the GB 11714 organisation-code check character (position 17), so the
    result passes :func:`validate_credit_code` in full.
    """
    if len(prefix) == 16:
        prefix = prefix + organisation_check_char(prefix[8:16])
    if len(prefix) != 17:
        raise ValueError(f"前缀应为16或17位，实际为{len(prefix)}位")
    return prefix + credit_code_check_char(prefix)
