"""Small helpers shared by the ingest tests."""

from __future__ import annotations

import csv
from pathlib import Path

from riskgraph.graph.digest import WALL_CLOCK, graph_digest
from riskgraph.ingest.pipeline import ingest

ENTERPRISES = (
    "tax_code,name,address,province,phone,email,bank_accounts,registered_on,status,activities\n"
    '0100233488,Công ty TNHH Minh Phát,"12 Nguyễn Huệ, P. Bến Nghé, Q.1, TP.HCM",TP. Hồ Chí Minh,0901.234.567,Info@MinhPhat.vn,VCB:0071000123456,2019-05-02,active,importer;exporter\n'
    '0314409058,Công ty CP Đại Long,"số 12 nguyen hue phuong ben nghe quan 1 tp hcm",TP. Hồ Chí Minh,+84 90 123 4567,,vcb: 0071-000-123456,2024-01-10,absconded,importer\n'
)
DECLARATIONS_HEADER = "declaration_no,direction,registered_at,trader_tax_code,agent_code,declarant_id,partner_name,partner_country,vehicle_ids,hs_codes,value_usd,channel,inspection_result\n"
DECLARATIONS = DECLARATIONS_HEADER + (
    "105123456789,import,2025-03-17T08:15:00+07:00,0100233488,AG01,P1,ACME Ltd,CN,51C-123.45;MSCU1234565,8517.13.00,12000.50,red,discrepancy\n"
    "105123456790,import,2025-03-18 09:00,0999999999,,,,,,85171300,1.5,green,none\n"
)
DOMAIN = frozenset({"IngestRun"})


def load(store, feed: Path, tmp_path: Path, **options):
    options.setdefault("batch_size", 3)  # several batches even for tiny feeds
    return ingest(store, feed, tmp_path / "runs", progress=None, **options)


def domain_digest(store) -> str:
    """Digest of the customs data alone: no run nodes, no provenance."""
    return graph_digest(store, ignore=WALL_CLOCK | {"source_run", "last_run"}, skip_labels=DOMAIN)


def _issues(report, name: str) -> list[dict[str, str]]:
    path = report.out_dir / f"{name}.csv"
    if not path.exists():
        return []
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def rejects(report) -> list[dict[str, str]]:
    return _issues(report, "rejects")


def warnings(report) -> list[dict[str, str]]:
    return _issues(report, "warnings")


def count(store, label: str) -> int:
    return {r["label"]: r["count"] for r in store.query("count_nodes")}.get(label, 0)
