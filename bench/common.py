"""Shared pieces of the matching benchmarks: a seeded generator of realistic Chinese green-tech records,
the embedded corpus cache under bench/out/, timing and machine description. Not a benchmark itself."""
from __future__ import annotations

import json
import os
import platform
import random
import resource
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from services.matching.documents import build_document
from shared.taxonomy import DOMAINS

OUT = Path(__file__).resolve().parent / "out"

# Vocabularies per domain: what is treated, where, how, and what improves. Combined by templates below.
VOCAB: dict[str, dict[str, list[str]]] = {
    "energy_saving": {
        "object": ["烧结环冷机废气余热", "轧钢加热炉烟气", "空压机系统", "风机水泵", "工业锅炉", "中央空调系统", "数据中心机房", "蒸汽管网", "电解槽", "窑炉"],
        "method": ["有机朗肯循环发电", "永磁同步电机变频改造", "磁悬浮离心机替代", "蓄热式燃烧", "MVR机械蒸汽再压缩", "智能群控与能效监测", "高温热泵回收", "保温与疏水阀改造"],
        "industry": ["钢铁", "水泥", "化工", "纺织", "造纸", "食品加工", "公共建筑", "数据中心"],
        "effect": ["综合节电率20%-40%", "年节约标准煤3000吨", "投资回收期3-5年", "系统能效提升15%以上", "蒸汽消耗降低90%"],
    },
    "pollution_control": {
        "object": ["烧结烟气", "喷涂车间VOCs废气", "印染废水", "电镀废水", "垃圾渗滤液", "含油污泥", "焦炉烟气", "恶臭气体", "重金属污染土壤", "高盐废水"],
        "method": ["SCR脱硝", "沸石转轮吸附浓缩加RTO", "臭氧催化氧化", "螯合树脂离子交换", "MBR膜生物反应器", "热脱附", "生物滴滤", "湿式静电除尘", "芬顿高级氧化"],
        "industry": ["钢铁", "家具", "汽车涂装", "印染", "电镀", "垃圾填埋场", "焦化", "石化", "化工园区"],
        "effect": ["VOCs去除率大于97%", "出水COD稳定达标", "氮氧化物低于50mg/m³", "颗粒物低于10mg/m³", "重金属达到特别排放限值"],
    },
    "resource_recycling": {
        "object": ["钢渣", "尾矿", "粉煤灰", "退役动力锂电池", "建筑垃圾", "废旧塑料", "赤泥", "工业废水", "废旧纺织品"],
        "method": ["磁选回收铁后磨细", "湿法冶金浸出萃取", "移动式破碎筛分", "催化裂解", "免烧砖制备", "中水回用双膜法", "梯次利用检测筛选"],
        "industry": ["钢铁", "有色金属", "新能源汽车", "建筑", "石化", "电力", "市政"],
        "effect": ["综合利用率90%以上", "锂回收率90%", "再生骨料替代天然砂石", "中水回用率60%", "资源化率超过95%"],
    },
    "clean_production": {
        "object": ["有毒有害原料", "电镀工艺", "涂装工艺", "炼钢流程", "合成氨工艺", "印染前处理", "溶剂型涂料"],
        "method": ["水性涂料替代", "无氰电镀", "氢冶金短流程", "电炉短流程炼钢", "绿色催化工艺", "数字化清洁生产管控", "源头减量设计"],
        "industry": ["汽车", "家电", "钢铁", "化工", "纺织", "电子"],
        "effect": ["VOCs源头削减80%", "吨钢碳排放降低50%", "危废产生量减少60%", "原料消耗降低20%"],
    },
    "clean_energy": {
        "object": ["工商业屋顶", "农业大棚", "低风速区域", "园区微电网", "电网侧调峰", "户用屋顶", "农林废弃物"],
        "method": ["分布式光伏发电", "磷酸铁锂储能一体柜", "全钒液流电池", "碱性电解水制氢", "生物质气化多联产", "低风速风力发电机组", "光储充一体化"],
        "industry": ["工业园区", "农业", "电网", "乡村", "交通", "化工"],
        "effect": ["年发电量110万千瓦时", "储能时长4-10小时", "循环寿命超过15000次", "替代散煤取暖", "投资回收期5-6年"],
    },
    "ecological_restoration": {
        "object": ["废弃矿山边坡", "黑臭水体", "盐碱地", "退化湿地", "水土流失坡面", "荒漠化土地"],
        "method": ["挂网客土喷播", "底泥原位生物修复", "微纳米曝气增氧", "生态浮岛", "乡土植物配置", "土壤改良剂施用"],
        "industry": ["矿山", "城市水务", "农业", "林业", "园林"],
        "effect": ["植被覆盖率提升到80%", "消除水体黑臭", "碳汇能力提升", "水土流失减少70%"],
    },
    "green_infrastructure": {
        "object": ["既有公共建筑", "超低能耗住宅", "城市雨水管网", "农村生活污水", "生活垃圾", "公交充电场站"],
        "method": ["外墙保温与节能门窗改造", "高效新风热回收", "海绵城市透水铺装", "AAO+MBBR一体化设备", "垃圾分类智能回收", "装配式建造"],
        "industry": ["建筑", "市政", "交通", "乡村", "物业"],
        "effect": ["建筑能耗降低30%以上", "出水达到一级A标准", "雨水年径流总量控制率75%", "无人值守运行"],
    },
    "eco_agriculture": {
        "object": ["农作物秸秆", "畜禽粪污", "设施蔬菜", "果园", "重金属污染耕地", "农膜"],
        "method": ["生物质成型燃料", "厌氧发酵产沼气", "水肥一体化滴灌", "有机肥好氧堆肥", "钝化剂与低积累品种", "可降解地膜"],
        "industry": ["种植业", "养殖业", "农业合作社", "家庭农场"],
        "effect": ["节水40%-50%", "节肥30%以上", "稻米镉含量达标", "粪污资源化利用率90%"],
    },
    "carbon_reduction": {
        "object": ["燃煤电厂烟气二氧化碳", "水泥窑尾气", "冷链制冷剂", "甲烷逃逸", "企业碳排放数据"],
        "method": ["化学吸收法碳捕集", "二氧化碳矿化利用", "天然工质复叠制冷", "甲烷回收利用", "碳排放在线监测与核算"],
        "industry": ["电力", "水泥", "冷链物流", "油气", "园区"],
        "effect": ["捕集率90%以上", "年减排二氧化碳10万吨", "能效提升15%", "碳核算误差小于5%"],
    },
}
REGIONS = ["110000", "310000", "330100", "320500", "440300", "370200", "420100", "510100", "610100", "130100", "210200", "500000"]
STAGES = ["lab", "pilot", "demonstration", "industrialization"]
MODES = ["assignment", "license", "equity", "joint_development", "technical_service"]

TITLE = ["{object}{method}技术", "{industry}行业{object}{method}成套装备", "基于{method}的{object}治理与利用技术", "{object}{method}一体化解决方案"]
SUMMARY = ["采用{method}处理{object}，适用于{industry}企业，{effect}。", "针对{industry}领域{object}问题，通过{method}实现{effect}。",
           "{method}工艺，已在{industry}多家企业应用，{effect}，运行稳定。"]
NEED = ["我们是{industry}企业，{object}问题突出，希望引进{method}等成熟技术，要求{effect}。",
        "{industry}厂{object}需要改造，环保或能耗指标压力大，寻求可靠方案，预算有限。",
        "求购{object}处理技术，最好是{method}方向，目标{effect}。"]


def generate_records(n: int, seed: int = 7) -> Iterator[dict]:
    """Technology records in the registry's public form (title, summary, process, scope, ...), seeded."""
    rng = random.Random(seed)
    domains = list(VOCAB)
    for i in range(n):
        domain = domains[i % len(domains)] if i < len(domains) else rng.choice(domains)
        v = {k: rng.choice(words) for k, words in VOCAB[domain].items()}
        sub = rng.choice(list(DOMAINS[domain].subdomains))
        yield {
            "id": f"T{i:07d}",
            "title": rng.choice(TITLE).format(**v)[:120],
            "summary": rng.choice(SUMMARY).format(**v),
            "keywords": rng.sample(list(DOMAINS[domain].keywords), k=min(3, len(DOMAINS[domain].keywords))),
            "core_process": f"{v['method']}，配套自动控制与在线监测",
            "applicable_scope": f"{v['industry']}行业{v['object']}",
            "benefits": v["effect"],
            "domain": domain, "subdomain": sub,
            "region": rng.choice(REGIONS), "stage": rng.choice(STAGES), "trl": rng.randint(3, 9),
            "transfer_modes": rng.sample(MODES, k=rng.randint(1, 3)),
        }


def generate_needs(n: int, seed: int = 11) -> list[str]:
    """Colloquial enterprise needs, used as queries."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        v = {k: rng.choice(words) for k, words in VOCAB[rng.choice(list(VOCAB))].items()}
        out.append(rng.choice(NEED).format(**v))
    return out


def record_texts(records: list[dict]) -> list[str]:
    """The text the matching service embeds for each record (its own document builder)."""
    return [build_document("technology", r).text for r in records]


# ----------------------------------------------------------------------------- embedded corpus cache
def corpus_paths(n: int, backend: str) -> tuple[Path, Path]:
    return OUT / f"corpus_{n}_{backend}.npy", OUT / f"corpus_{n}_{backend}.json"


def load_or_encode_corpus(n: int, backend: str, encode: Callable[[list[str]], np.ndarray],
                          chunk: int = 2000, log: Callable[[str], None] = print) -> tuple[list[dict], np.ndarray]:
    """Records and their embeddings, encoded once and cached (resumable: chunks are saved as they finish)."""
    vec_path, meta_path = corpus_paths(n, backend)
    records = list(generate_records(n))
    if vec_path.exists():
        return records, np.load(vec_path, mmap_mode="r")
    OUT.mkdir(parents=True, exist_ok=True)
    texts = record_texts(records)
    parts_dir = OUT / f"parts_{n}_{backend}"
    parts_dir.mkdir(exist_ok=True)
    start = time.perf_counter()
    for c in range(0, n, chunk):
        part = parts_dir / f"{c:08d}.npy"
        if not part.exists():
            np.save(part, encode(texts[c : c + chunk]))
            done = c + chunk
            log(f"  encoded {min(done, n)}/{n} ({min(done, n) / (time.perf_counter() - start):.0f}/s so far)")
    vecs = np.vstack([np.load(parts_dir / f"{c:08d}.npy") for c in range(0, n, chunk)]).astype(np.float32)
    np.save(vec_path, vecs)
    meta_path.write_text(json.dumps({"n": n, "backend": backend, "seconds": time.perf_counter() - start}), encoding="utf-8")
    return records, vecs


def mixture_corpus(base: np.ndarray, n: int, seed: int = 3, neighbours: int = 8, batch: int = 20_000) -> np.ndarray:
    """Grow real embeddings to `n` vectors WITHOUT random vectors: each new vector is a renormalised convex
    mixture of one real embedding and one of its nearest real neighbours (weights drawn in [0.5, 1]), so the
    large corpus stays on the model's manifold with the same topic clusters as the real one."""
    import faiss

    rng = np.random.default_rng(seed)
    base = np.ascontiguousarray(base, dtype=np.float32)
    out = np.empty((n, base.shape[1]), dtype=np.float32)
    out[: len(base)] = base
    flat = faiss.IndexFlatIP(base.shape[1])
    flat.add(base)
    # The neighbours of every real vector, searched once (anchors repeat: 1M from 100k is 9 per real vector).
    _, base_nn = flat.search(base, neighbours + 1)
    for start in range(len(base), n, batch):
        size = min(batch, n - start)
        anchors = rng.integers(0, len(base), size)
        nn = base_nn[anchors]
        partner = nn[np.arange(size), rng.integers(1, neighbours + 1, size)]
        w = rng.uniform(0.5, 1.0, size)[:, None].astype(np.float32)
        mixed = w * base[anchors] + (1 - w) * base[partner]
        out[start : start + size] = mixed / np.linalg.norm(mixed, axis=1, keepdims=True)
    return out


def mixture_records(records: list[dict], n: int, seed: int = 3) -> list[dict]:
    """Structured fields for the mixed vectors: copied from a seeded real record (ids made unique)."""
    rng = random.Random(seed)
    out = list(records)
    for i in range(len(records), n):
        src = records[rng.randrange(len(records))]
        out.append({"id": f"T{i:07d}", "domain": src["domain"], "region": src["region"], "trl": src["trl"]})
    return out


# ----------------------------------------------------------------------------- measuring
def percentiles(samples_ms: list[float]) -> dict[str, float]:
    a = np.asarray(samples_ms)
    return {"p50": float(np.percentile(a, 50)), "p95": float(np.percentile(a, 95)), "p99": float(np.percentile(a, 99))}


def rss_mb() -> float:
    """Current resident set size (Linux /proc), in MB."""
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def machine() -> str:
    cpu = next((ln.split(":", 1)[1].strip() for ln in open("/proc/cpuinfo") if ln.startswith("model name")), "?")
    mem = next((int(ln.split()[1]) // 1024 // 1024 for ln in open("/proc/meminfo") if ln.startswith("MemTotal")), 0)
    load = os.getloadavg()
    flags = set(next((ln.split(":", 1)[1].split() for ln in open("/proc/cpuinfo") if ln.startswith("flags")), []))
    # int8 and bf16 speed-ups depend on these more than on the clock: name them with every figure.
    isa = [f for f in ("avx2", "avx512f", "avx512_vnni", "avx_vnni", "avx512_bf16", "amx_int8", "amx_bf16") if f in flags]
    return (f"{os.cpu_count()} cores ({cpu}; {' '.join(isa) or 'no AVX2'}), {mem} GiB RAM, Python {platform.python_version()}, "
            f"load average {load[0]:.1f}/{load[1]:.1f} (machine shared with other engineers)")


def table(rows: list[dict], cols: list[str]) -> str:
    widths = {c: max(len(c), *(len(_fmt(r.get(c))) for r in rows)) for c in cols}
    lines = ["| " + " | ".join(c.ljust(widths[c]) for c in cols) + " |", "|" + "|".join("-" * (widths[c] + 2) for c in cols) + "|"]
    lines += ["| " + " | ".join(_fmt(r.get(c)).ljust(widths[c]) for c in cols) + " |" for r in rows]
    return "\n".join(lines)


def _fmt(v: object) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.3f}" if abs(v) < 10 else f"{v:.1f}"
    return str(v)
