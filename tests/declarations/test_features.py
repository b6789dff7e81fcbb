"""Declaration features on hand-built declarations: running rates that never see the
declaration they describe, smoothing toward the overall rate, frozen tables, unit-value
norms, and unseen codes in the model's input matrix."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta, timezone

import numpy as np
import pytest

from riskgraph.declarations import Model
from riskgraph.declarations import features as F
from riskgraph.ingest.validate import validate

VN = timezone(timedelta(hours=7))
START = datetime(2024, 1, 1, 9, 0, tzinfo=VN)
A, B, C = "0100109106", "0300588569", "0102721191"  # traders


def _row(no: int, day: int, trader: str, result: str = "none", **fields) -> dict:
    values = {"declaration_no": f"1000000{no:05d}", "direction": "import",
              "registered_at": (START + timedelta(days=day, minutes=no)).isoformat(), "trader_tax_code": trader,
              "hs_codes": "85171300", "origin_country": "CN", "value_usd": "1000", "net_mass_kg": "10",
              "inspection_result": result, **fields}
    return validate("declarations", {k: str(v) for k, v in values.items() if v is not None}).params


def _rows() -> list[dict]:
    """Three traders, two agents, two HS lines; inspected and not, in time order."""
    return [
        _row(1, 0, A, "discrepancy", agent_code="DL010004"),
        _row(2, 1, B, "compliant", hs_codes="08081000", origin_country="TH"),
        _row(3, 2, A, "compliant", agent_code="DL010004", office_code="13BB"),
        _row(4, 3, A),  # not inspected
        _row(5, 4, B, "discrepancy", agent_code="DL010004", hs_codes="08081000", origin_country="TH"),
        _row(6, 5, A, "discrepancy", office_code="13BB"),
        _row(7, 6, C, "compliant", agent_code="DL020008"),
        _row(8, 7, A, "compliant", agent_code="DL010004"),
        _row(9, 8, B, "compliant", office_code="13BB"),
        _row(10, 9, A, "discrepancy", agent_code="DL020008"),
        _row(11, 10, C, "discrepancy", hs_codes="08081000", origin_country="TH"),
        _row(12, 11, A, "compliant"),
    ]


def _flip(row: dict) -> dict:
    props = dict(row["props"])
    props["inspection_result"] = {"discrepancy": "compliant", "compliant": "discrepancy"}[props["inspection_result"]]
    return {**row, "props": props}


def _same(a: dict[str, np.ndarray], b: dict[str, np.ndarray], i: int) -> bool:
    return all(np.array_equal(a[k][i : i + 1], b[k][i : i + 1], equal_nan=True) for k in a)


def test_from_records_orders_by_registration_and_reads_each_field():
    rows = _rows()
    d = F.from_records(list(reversed(rows)))
    assert d.key.tolist() == [r["key"] for r in rows]
    assert np.all(np.diff(d.time) > 0)
    assert d.text["hs4"][0] == "8517" and d.text["hs6"][0] == "851713" and d.text["hs8"][0] == "85171300"
    assert d.parties["trader"][0] == [A] and d.parties["agent"][0] == ["DL010004"] and d.parties["agent"][1] == []
    assert d.inspected.tolist() == [True, True, True, False] + [True] * 8
    assert d.discrepancy.sum() == 5 and not d.random.any() and not d.cited.any()
    assert F.from_records(list(reversed(rows)), sort=False).key.tolist() == [r["key"] for r in reversed(rows)]


def _keys(lists: list[list[str]]) -> F.Keys:
    flat = np.empty(sum(map(len, lists)), dtype=object)
    flat[:] = [k for ks in lists for k in ks]
    return F.Keys(np.cumsum([0, *map(len, lists)]), flat)


def test_party_keys_read_as_the_lists_they_hold_flat():
    lists = [["V1", "V2"], [], ["V3"], [], []]
    keys = _keys(lists)
    assert list(keys) == lists and [keys[i] for i in range(len(keys))] == lists and len(keys) == 5
    assert keys.counts().tolist() == [2, 0, 1, 0, 0] and keys.owners().tolist() == [0, 0, 2]
    assert keys.first() == ["V1", "", "V3", "", ""]
    assert list(keys.take(np.array([2, 1, 0, 4]))) == [["V3"], [], ["V1", "V2"], []]
    assert list(F.Keys.concat([keys, _keys([["V4"]]), _keys([])])) == [*lists, ["V4"]]
    assert _keys([]).first() == [] and list(_keys([[]]).take(np.array([0, 0]))) == [[], []]


def test_profile_tables_are_keyed_by_the_joined_codes():
    _, tables = F.history(F.from_records(_rows()), {})
    assert set(tables.counts["hs_origin"]) == {"851713|CN", "080810|TH"}
    assert set(tables.counts["office"]) == {"13BB"}
    assert {"fine|851713|CN", "fine|080810|TH", "coarse|851713", "coarse|080810"} <= set(tables.norms)


def test_a_declarations_own_result_never_changes_its_own_features():
    rows = _rows()
    for i in (0, 2, 5):  # trader A's inspected declarations: discrepancy, compliant, discrepancy
        result = rows[i]["props"]["inspection_result"]
        other = {"discrepancy": "compliant", "compliant": "discrepancy"}[result]
        # A last declaration of a trader of its own takes the opposite flip, so that the overall
        # rate p0 stays the same: being last, it changes no other declaration's history.
        base, _ = F.history(F.from_records(rows + [_row(99, 30, "0101234567", other)]), {})
        changed = [_flip(r) if j == i else r for j, r in enumerate(rows)] + [_row(99, 30, "0101234567", result)]
        flipped, _ = F.history(F.from_records(changed), {})
        for j in range(i + 1):
            assert _same(base, flipped, j), (i, j)  # itself and every earlier one: unchanged
        later = [j for j in range(i + 1, len(rows)) if rows[j]["trader"] == A]
        assert later and all(base["rate_trader"][j] != flipped["rate_trader"][j] for j in later), i
        assert all(base["rate_trader"][j] == flipped["rate_trader"][j] for j in range(len(rows)) if rows[j]["trader"] != A)


def test_running_counts_equal_a_brute_force_count_and_rates_are_smoothed_toward_p0():
    rows = _rows()
    d = F.from_records(rows)
    out, tables = F.history(d, {})
    p0 = tables.p0
    assert p0 == pytest.approx(5 / 11)
    kinds = {
        "trader": lambda r: [r["trader"]],
        "agent": lambda r: r["agents"],
        "hs_origin": lambda r: [f"{r['props']['hs_codes'][0][:6]}|{r['props']['origin_country']}"],
        "office": lambda r: [r["props"]["office_code"]] if r["props"].get("office_code") else [],
    }
    for name, keys in kinds.items():
        for i, r in enumerate(rows):
            if not keys(r):
                assert math.isnan(out[f"rate_{name}"][i]), (name, i)
                continue
            before = [q for q in rows[:i] if set(keys(q)) & set(keys(r))]
            inspections = sum(q["props"]["inspection_result"] in ("compliant", "discrepancy") for q in before)
            found = sum(q["props"]["inspection_result"] == "discrepancy" for q in before)
            assert out[f"rate_{name}"][i] == pytest.approx((found + F.SMOOTHING * p0) / (inspections + F.SMOOTHING)), (name, i)
            if name == "trader":
                assert out["trader_inspections"][i] == pytest.approx(math.log1p(inspections))
                assert out["trader_declarations"][i] == pytest.approx(math.log1p(len(before)))
                first = d.time[rows.index(before[0])] if before else d.time[i]
                assert out["trader_days"][i] == pytest.approx((d.time[i] - first) / 86400)
    # A key seen for the first time reads as the overall rate, not as 0 or 100%.
    assert out["rate_trader"][0] == pytest.approx(p0) and out["rate_trader"][1] == pytest.approx(p0)
    # Two discrepancies in three inspections: above p0 but far below 2/3.
    i = 9  # trader A: discrepancy, compliant, discrepancy, compliant before it
    assert p0 < (2 + 1) / (4 + 2) and out["rate_trader"][i] == pytest.approx((2 + F.SMOOTHING * p0) / (4 + F.SMOOTHING))


def test_decided_violations_count_only_before_the_declaration():
    rows = _rows()
    d = F.from_records(rows)
    at = float(d.time[5])  # decided exactly when declaration 6 is registered: not before it
    out, tables = F.history(d, {A: [float(d.time[2]), at]})
    assert [out["trader_violations"][i] for i in (0, 2, 3, 5, 7)] == [0, 0, 1, 1, 2]
    assert out["trader_violations"][1] == 0  # another trader
    assert tables.violations == {A: 2}


def test_frozen_tables_describe_later_declarations_from_the_training_counts():
    rows = _rows()
    d = F.from_records(rows)
    _, tables = F.history(d, {A: [float(d.time[0])]})
    # The tables hold each key's own totals over the whole training data.
    for trader in (A, B, C):
        mine = [r for r in rows if r["trader"] == trader]
        inspections = sum(r["props"]["inspection_result"] != "none" for r in mine)
        found = sum(r["props"]["inspection_result"] == "discrepancy" for r in mine)
        assert tables.counts["trader"][trader][:3] == (inspections, found, len(mine)), trader
    later_rows = [_row(20 + k, 30 + k, t, r) for k, (t, r) in enumerate(
        [(A, "discrepancy"), (B, "none"), (A, "compliant"), (A, "none"), ("0101234567", "discrepancy")])]
    out, same = F.history(F.from_records(later_rows), {}, frozen=tables)
    assert same is tables
    p0 = tables.p0
    rate_a = (3 + F.SMOOTHING * p0) / (6 + F.SMOOTHING)  # trader A: 6 inspections, 3 discrepancies
    assert out["rate_trader"][[0, 2, 3]].tolist() == pytest.approx([rate_a] * 3)  # every row with the key: the same
    assert out["rate_trader"][1] == pytest.approx((1 + F.SMOOTHING * p0) / (3 + F.SMOOTHING))
    assert out["rate_trader"][4] == pytest.approx(p0)  # a trader never seen
    assert out["trader_violations"].tolist() == [1, 0, 1, 1, 0]
    assert out["trader_declarations"][0] == pytest.approx(math.log1p(7)) and out["trader_days"][4] == 0
    # Their own results change nothing: the counts are frozen.
    again, _ = F.history(F.from_records([_flip(r) if r["props"]["inspection_result"] != "none" else r for r in later_rows]),
                         {}, frozen=tables)
    assert all(np.array_equal(out[k], again[k], equal_nan=True) for k in out)


def test_unit_value_gap_uses_only_earlier_declarations_and_needs_norm_min_of_them():
    units = [10.0, 20.0, 40.0, 5.0, 80.0]  # USD per kg, same HS line and origin
    rows = [_row(i + 1, i, A, value_usd=u * 10, net_mass_kg=10) for i, u in enumerate(units)]
    rows.append(_row(10, 10, A, value_usd=500, origin_country="TH"))  # same HS, another origin: the HS norm
    rows.append(_row(11, 11, A, value_usd=500, hs_codes="08081000"))  # an HS line never seen
    out, tables = F.history(F.from_records(rows), {})
    gap = out["unit_value_gap"]
    assert F.NORM_MIN == 3 and np.isnan(gap[:3]).all()
    logs = np.log(units)
    assert gap[3] == pytest.approx(logs[3] - logs[:3].mean())
    assert gap[4] == pytest.approx(logs[4] - logs[:4].mean())
    assert gap[5] == pytest.approx(math.log(50.0) - logs.mean())
    assert np.isnan(gap[6])
    # A later declaration's value never moves an earlier one's gap.
    rows[4] = _row(5, 4, A, value_usd=1, net_mass_kg=10)
    changed, _ = F.history(F.from_records(rows), {})
    assert np.array_equal(changed["unit_value_gap"][:4], gap[:4], equal_nan=True)
    assert changed["unit_value_gap"][5] != gap[5]
    # Frozen: the norm of every training declaration.
    frozen, _ = F.history(F.from_records([_row(30, 40, B, value_usd=200, net_mass_kg=10)]), {}, frozen=tables)
    assert frozen["unit_value_gap"][0] == pytest.approx(math.log(20.0) - logs.mean())


def test_unseen_and_rare_codes_are_missing_in_the_model_matrix():
    rows = [_row(1, 0, A), _row(2, 1, B, hs_codes="08081000", origin_country="TH"), _row(3, 2, C, origin_country="")]
    d = F.from_records(rows)
    numeric, tables = F.history(d, {})
    model = Model("sel-test", date(2024, 1, 1), date(2024, 1, 31), "", ("hs6", "origin_country", "log_value", "graph_trader"),
                  {"hs6": ["851713"], "origin_country": ["CN", "VN"]}, None, tables, [], {})
    x = model.matrix(d, numeric, None)
    assert x.dtype == np.float32 and x.shape == (3, 4)
    assert x[0, 0] == 0 and np.isnan(x[1, 0]) and x[2, 0] == 0  # HS 080810: not in the vocabulary
    assert x[0, 1] == 0 and np.isnan(x[1, 1]) and np.isnan(x[2, 1])  # TH unseen; no origin
    assert x[:, 2] == pytest.approx(np.log1p(1000.0)) and (x[:, 3] == 0).all()  # no graph scores given: 0


def test_declarations_registered_at_the_same_moment_never_see_each_others_results():
    # A feed that gives registration times to the minute (or only the day) has ties: a
    # declaration must not read the result of another registered at the same moment.
    at = "2024-01-01T00:00:00+07:00"
    first = _row(1, 0, A, "discrepancy", registered_at=at)
    second = _row(2, 0, A, "compliant", registered_at=at)
    later = _row(3, 1, A, "compliant")
    d = F.from_records([first, second, later])
    out, tables = F.history(d, {})
    p0 = tables.p0
    assert out["rate_trader"][:2].tolist() == pytest.approx([p0, p0])
    assert out["trader_inspections"][:2].tolist() == [0, 0] and out["trader_declarations"][:2].tolist() == [0, 0]
    assert out["rate_trader"][2] == pytest.approx((1 + F.SMOOTHING * p0) / (2 + F.SMOOTHING))
    assert out["trader_days"].tolist() == pytest.approx([0, 0, (d.time[2] - d.time[0]) / 86400])
    assert tables.counts["trader"][A][:3] == (3, 1, 3)


def test_the_riskiest_of_several_vehicles_is_the_one_with_the_highest_smoothed_rate():
    # The truck: one discrepancy in three inspections, against 10% overall: riskier than a
    # vehicle never seen, which reads as the overall rate.
    truck = [_row(1, 0, A, "discrepancy", vehicle_ids="29C12345"), _row(2, 1, B, "compliant", vehicle_ids="29C12345"),
             _row(3, 2, B, "compliant", vehicle_ids="29C12345")]
    rows = truck + [_row(4 + k, 3 + k, C, "compliant") for k in range(7)]
    rows.append(_row(20, 20, C, "none", vehicle_ids="29C12345;51D99999"))  # the truck and a new one
    out, tables = F.history(F.from_records(rows), {})
    p0 = tables.p0
    assert p0 == pytest.approx(0.1)
    assert out["rate_vehicle"][-1] == pytest.approx((1 + F.SMOOTHING * p0) / (3 + F.SMOOTHING)) and out["rate_vehicle"][-1] > p0
    _, frozen = F.history(F.from_records(rows[:-1]), {})
    later, _ = F.history(F.from_records([_row(30, 30, C, vehicle_ids="51D99999;29C12345")]), {}, frozen=frozen)
    assert later["rate_vehicle"][0] == pytest.approx((1 + F.SMOOTHING * p0) / (3 + F.SMOOTHING))


def test_an_empty_batch_is_described_from_frozen_tables():
    _, tables = F.history(F.from_records(_rows()), {})
    out, _ = F.history(F.from_records([]), {}, frozen=tables)
    assert all(len(v) == 0 for v in out.values())


def test_frozen_violation_counts_include_those_decided_on_the_last_day():
    # violations_by_trader dates a decision at the end of its day: one decided on the day
    # of the last training declaration is known to every declaration assessed after.
    rows = _rows()
    d = F.from_records(rows)
    last_day = date.fromisoformat(rows[-1]["props"]["registered_at"][:10])
    end_of_day = datetime(last_day.year, last_day.month, last_day.day, tzinfo=VN).timestamp() + 86399
    _, tables = F.history(d, {A: [float(d.time[0]), end_of_day], B: [end_of_day + 1]})
    assert tables.violations == {A: 2, B: 0}
    out, _ = F.history(F.from_records([_row(40, 40, A)]), {}, frozen=tables)
    assert out["trader_violations"].tolist() == [2]
