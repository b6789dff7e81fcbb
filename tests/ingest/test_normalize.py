"""Identifiers written differently become one identifier."""

import pytest

from riskgraph.ingest import normalize


@pytest.mark.parametrize("text", ["0901234567", "0901.234.567", "0901-234-567", "+84 90 123 4567", "84901234567", "0084901234567", "+84 (0)90 123 4567", " 090 123 4567 "])
def test_vietnamese_mobiles_become_one_e164_number(text):
    assert normalize.phone(text) == "+84901234567"


def test_landlines_and_foreign_numbers():
    assert normalize.phone("(028) 3822-1234") == "+842838221234"
    assert normalize.phone("+86 10 1234 5678") == "+861012345678"


@pytest.mark.parametrize("text", ["abc", "12345", "+84 12", "0901234567x", "+84 ١٢٣٤٥٦٧٨٩"])
def test_what_is_not_a_phone_is_refused_with_the_value(text):
    with pytest.raises(ValueError, match="phone"):
        normalize.phone(text)


def test_addresses_match_across_case_diacritics_and_abbreviations():
    a = normalize.address_key("12 Nguyễn Huệ, P. Bến Nghé, Q.1, TP.HCM")
    b = normalize.address_key("số 12 nguyen hue, Phường Bến Nghé, Quận 1, Thành phố Hồ Chí Minh")
    assert a == b
    assert normalize.address_key("KCN Đình Vũ, Hải Phòng") == normalize.address_key("Khu công nghiệp Dinh Vu, Hai Phong")


def test_abbreviations_expand_in_one_pass_as_rule_after_rule_would():
    """The one-pass expansion against the rules applied one after the other, on mixes of them."""
    import random
    import re

    rules = [(r"\btp\s*hcm\b", "thanh pho ho chi minh"), (r"\bhcm\b", "ho chi minh"), (r"\bhn\b", "ha noi"),
             (r"\btp\b", "thanh pho"), (r"\btx\b", "thi xa"), (r"\btt\b", "thi tran"), (r"\bkcn\b", "khu cong nghiep"),
             (r"\bkcx\b", "khu che xuat"), (r"\bccn\b", "cum cong nghiep"), (r"\bkdc\b", "khu dan cu"),
             (r"\bp\b", "phuong"), (r"\bq\b", "quan"), (r"\bh\b", "huyen"), (r"\bx\b", "xa"), (r"\bd\b", "duong"),
             (r"\bso\b", "")]

    def by_rules(text: str) -> str:
        key = normalize.fold(text)
        for pattern, expansion in rules:
            key = re.sub(pattern, expansion, key)
        return " ".join(key.split())

    words = ["tp", "hcm", "tphcm", "TP.HCM", "Tp. Hồ", "hn", "tx", "tt", "kcn", "kcx", "ccn", "kdc", "p", "q", "h", "x",
             "d", "so", "số", "Đ", "12", "p.", "q.1", "tp  hcm", "tp so hcm", "_p_", "xa", "-", "KCN", "p12", "\u00a0"]
    rng = random.Random(5)
    texts = [rng.choice((" ", "")).join(rng.choice(words) for _ in range(rng.randint(1, 8))) for _ in range(5000)]
    texts = [t for t in texts if by_rules(t)]  # the others have no letters or digits left: refused
    assert len(texts) > 4000 and [normalize.address_key(t) for t in texts] == [by_rules(t) for t in texts]


def test_decomposed_and_precomposed_vietnamese_are_equal():
    decomposed = "Nguye\u0302\u0303n"  # e + circumflex + tilde
    assert normalize.nfc(decomposed) == "Nguyễn"
    assert normalize.fold("Đặng Văn Đức") == "dang van duc"


def test_emails_and_bank_accounts():
    assert normalize.email(" Info@MinhPhat.VN ") == "info@minhphat.vn"
    with pytest.raises(ValueError):
        normalize.email("not-an-address")
    assert normalize.bank_account("vcb: 0071-000.123 456") == "VCB:0071000123456"
    with pytest.raises(ValueError, match="BANKCODE:ACCOUNTNO"):
        normalize.bank_account("0071000123456")


@pytest.mark.parametrize("code", ["0100233488", "0314409058", "0314409058-002"])
def test_valid_tax_codes(code):
    assert normalize.tax_code_problem(code) is None


@pytest.mark.parametrize(
    "code, problem",
    [("0100233480", "check digit"), ("12345", "not a Vietnamese tax code"), ("0100000008", "all zeros"), ("0314409058-000", "000"), ("DE123456789", "not a Vietnamese")],
)
def test_tax_code_problems_are_named(code, problem):
    assert problem in normalize.tax_code_problem(code)


def test_check_digit_none_when_no_code_can_be_issued():
    # Search the nine-digit prefixes for one whose weighted sum is 0 mod 11.
    prefix = next(f"01{n:07d}" for n in range(1, 1000) if sum(w * int(d) for w, d in zip((31, 29, 23, 19, 17, 13, 7, 5, 3), f"01{n:07d}")) % 11 == 0)
    assert normalize.tax_code_check_digit(prefix) is None
