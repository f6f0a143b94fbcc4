"""A published edition as an xlsx workbook (openpyxl): one row per entry, headers in Chinese as the paper catalogs."""
from __future__ import annotations

from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from shared.taxonomy import domain_name

COLUMNS = (  # (header, entry key or callable)
    ("序号", None), ("技术名称", "title"), ("所属领域", "domain"), ("适用范围", "applicable_scope"),
    ("核心技术工艺", "core_process"), ("主要技术参数", "key_parameters"), ("综合效益", "benefits"),
    ("节能量（吨标准煤/年）", "energy_saved_tce_per_year"), ("减碳量（吨CO2/年）", "co2_cut_t_per_year"),
    ("节水量（吨/年）", "water_saved_t_per_year"), ("评审得分", "review_score"), ("状态", "status"),
    ("调整说明", "withdrawn_reason"), ("技术编号", "technology_id"),
)
STATUS_NAMES = {"listed": "在目录", "withdrawn": "已调出"}


def _cell(entry: dict[str, Any], key: str) -> Any:
    value = entry.get(key)
    if key == "domain" and value:
        return domain_name(value)
    if key == "status":
        return STATUS_NAMES.get(value, value)
    if key == "withdrawn_reason" and value:
        return f"{entry.get('withdrawn_in')}：{value}"
    return value


def edition_xlsx(edition: dict[str, Any]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = edition["name"][:31]  # Excel's sheet-name limit
    sheet.append([header for header, _ in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for number, entry in enumerate(edition["entries"], start=1):
        sheet.append([number if key is None else _cell(entry, key) for _, key in COLUMNS])
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
