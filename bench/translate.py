#!/usr/bin/env python3
"""Translation speed: monitor's batched translator against per-item `argostranslate.translate`,
on the same real-size package, in one run.

The package is built here, offline, with the test builder at the size of a real Argos model
(Transformer-base: d512, 8 heads, 6+6 layers, FFN 2048, 50k vocabulary, int8, about 40 MB) as
a copy model, so outputs have realistic lengths. It ships a `minisbd/` splitter so Argos's own
path runs offline too. Needs `pip install -e '.[test,bench]'` (onnx builds that splitter).

    python bench/translate.py [--items 64] [--runs 3] [--threads 1] [--beam 2]

Prints, for the same items (title + a 2-sentence summary each):
  - monitor: one `translate_items` call per poll (one `translate_batch` for all sentences),
    with the config defaults (beam 2, intra_threads 1), no cache (every run starts cold);
  - argos (defaults): `argostranslate.translate.translate` per title and per summary, as a
    per-item integration would call it (beam 4, Argos's own thread setting);
  - argos (same beam and threads as monitor): the same, to show what batching alone buys;
sentences/s (median of --runs), the ratio, and memory (RSS). Target: monitor ≥ 5× argos
(defaults) at 64 items. It also counts socket calls (an audit hook): it must print 0.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

NETWORK_EVENTS = {"socket.connect", "socket.getaddrinfo", "socket.sendto", "urllib.Request"}
network_calls: list[str] = []


def _audit(event: str, args: tuple) -> None:
    if event in NETWORK_EVENTS:
        network_calls.append(event)


def rss_mb() -> tuple[float, float]:
    """(current, peak) resident memory of this process in MB."""
    fields = {}
    with open("/proc/self/status") as fh:
        for line in fh:
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    return (int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024)


def make_items(n: int):
    from datetime import datetime, timezone

    from monitor.model import Item
    from support.tiny_argos import make_corpus

    ru = [line for line in make_corpus(n_lines=12 * n, seed=7) if line.endswith((".", "!"))
          and any("а" <= c <= "я" for c in line) and "і" not in line and "ў" not in line]
    ru = list(dict.fromkeys(ru))  # distinct sentences: no cache can help either side
    items = []
    for i in range(n):
        title, s1, s2 = ru[3 * i % len(ru)], ru[(3 * i + 1) % len(ru)], ru[(3 * i + 2) % len(ru)]
        items.append(Item(feed="bench", id=str(i), key=f"k{i}", title=title.rstrip(".!"),
                          summary=f"{s1} {s2}", link="", language="ru",
                          published_at=datetime(2024, 3, 2, tzinfo=timezone.utc)))
    return items


def timed(fn, runs: int) -> tuple[list[float], object]:
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return times, result


# -- workers: each contender runs in its own process, so thread pools and memory are its own --


def worker(kind: str, models: Path, texts_file: Path, runs: int, beam: int,
           threads: int) -> dict:
    """Translate the texts `runs` times; return times, outputs and memory as a dict."""
    texts = json.loads(texts_file.read_text(encoding="utf-8"))
    base_rss, _ = rss_mb()
    if kind == "monitor":
        from monitor.config import TranslationConfig
        from monitor.model import Item
        from monitor.translate.engine import MemoryCache, ModelTranslator

        from datetime import datetime, timezone
        items = [Item(feed="bench", id=str(i), key=f"k{i}", title=texts[2 * i],
                      summary=texts[2 * i + 1], link="", language="ru",
                      published_at=datetime(2024, 3, 2, tzinfo=timezone.utc))
                 for i in range(len(texts) // 2)]
        ours = ModelTranslator(TranslationConfig(models_dir=str(models), beam_size=beam,
                                                 intra_threads=threads, apertium=False))
        started = time.perf_counter()
        ours.translate_texts(["Завод."], "ru", "en")  # load the model (the daemon keeps it)
        load = time.perf_counter() - started
        loaded_rss, _ = rss_mb()

        def run():
            ours.cache = MemoryCache()  # cold: nothing cached from the previous run
            out = ours.translate_items(items, "en")
            return [x for it in items for x in (out[it.key].title, out[it.key].summary)]

        times, outputs = timed(run, runs)
        extra = {"batches": ours.stats.batches}
    else:
        import argostranslate.settings as argos_settings
        import argostranslate.translate as argos_translate

        if kind == "argos-matched":
            argos_settings.beam_size, argos_settings.intra_threads = beam, threads
        started = time.perf_counter()
        argos_translate.translate("Завод.", "ru", "en")  # load model and splitter
        load = time.perf_counter() - started
        loaded_rss, _ = rss_mb()
        times, outputs = timed(lambda: [argos_translate.translate(t, "ru", "en")
                                        for t in texts], runs)
        extra = {"beam": argos_settings.beam_size, "threads": argos_settings.intra_threads}
    _, peak = rss_mb()
    return {"times": times, "outputs": outputs, "load": load, "base_rss": base_rss,
            "loaded_rss": loaded_rss, "peak_rss": peak, "network_calls": len(network_calls),
            **extra}


def run_worker(kind: str, work: Path, args) -> dict:
    out = work / f"{kind}.json"
    env = dict(os.environ, ORT_DISABLE_TELEMETRY="1")  # Argos imports onnxruntime
    subprocess.run([sys.executable, __file__, "--worker", kind, "--work", str(work),
                    "--runs", str(args.runs), "--beam", str(args.beam),
                    "--threads", str(args.threads)], env=env, check=True)
    return json.loads(out.read_text(encoding="utf-8"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=64)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1, help="monitor's intra_threads")
    parser.add_argument("--beam", type=int, default=2, help="monitor's beam_size")
    parser.add_argument("--small", action="store_true", help="tiny model (a quick smoke run)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--work", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.addaudithook(_audit)

    if args.worker:
        work = Path(args.work)
        _argos_env(work)
        result = worker(args.worker, work / "models", work / "texts.json", args.runs,
                        args.beam, args.threads)
        (work / f"{args.worker}.json").write_text(json.dumps(result, ensure_ascii=False),
                                                  encoding="utf-8")
        return 0

    work = Path(tempfile.mkdtemp(prefix="bench-translate-"))
    try:
        return report(work, args)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _argos_env(work: Path) -> None:
    """Argos reads its folders when first imported: keep them (and its package list) here."""
    os.environ.update({"HOME": str(work), "XDG_DATA_HOME": str(work / "share"),
                       "XDG_CONFIG_HOME": str(work / "config"),
                       "XDG_CACHE_HOME": str(work / "cache"),
                       "ARGOS_PACKAGES_DIR": str(work / "models")})


def report(work: Path, args) -> int:
    _argos_env(work)
    from monitor.translate.packages import install_archive
    from monitor.translate.sentences import split_sentences
    from support.tiny_argos import build_package

    size = {} if args.small else dict(d_model=512, num_heads=8, num_layers=6, ffn_dim=2048,
                                      pad_vocab_to=50_000, quantization="int8")
    started = time.perf_counter()
    archive = build_package(work / "ru_en.argosmodel", "ru", "en", minisbd=True, **size)
    package, _ = install_archive(work / "models", archive)
    print(f"package: {archive.stat().st_size / 1e6:.1f} MB zipped, "
          f"{package.size_bytes() / 1e6:.1f} MB installed "
          f"({'tiny' if args.small else 'd512, 8 heads, 6+6 layers, FFN 2048, 50k vocab, int8'});"
          f" built in {time.perf_counter() - started:.1f} s")
    items = make_items(args.items)
    texts = [t for item in items for t in (item.title, item.summary)]
    (work / "texts.json").write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
    sentences = sum(len(split_sentences(t)) for t in texts)
    print(f"items: {len(items)} (title + 2-sentence summary), {sentences} sentences, "
          f"{sum(map(len, texts)) / sentences:.0f} characters per sentence; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")

    results = {kind: run_worker(kind, work, args)
               for kind in ("monitor", "argos-defaults", "argos-matched")}
    ours, argos, matched = (results[k] for k in ("monitor", "argos-defaults", "argos-matched"))
    median = {k: statistics.median(r["times"]) for k, r in results.items()}
    print(f"\nmedian of {args.runs} runs, {sentences} sentences each "
          f"(each contender in its own process):")
    rows = [("monitor", f"monitor, one batch (beam {args.beam}, {args.threads} thread)"),
            ("argos-defaults", f"argos per item, defaults (beam {argos['beam']}, "
                               f"intra_threads {argos['threads']})"),
            ("argos-matched", f"argos per item (beam {matched['beam']}, "
                              f"{matched['threads']} thread)")]
    for kind, label in rows:
        r = results[kind]
        print(f"  {label:<50} {median[kind]:7.2f} s  {sentences / median[kind]:7.1f} "
              f"sentences/s   runs: {', '.join(f'{t:.2f}' for t in r['times'])} s")
    batches = ours["batches"]
    print(f"  monitor made {len(batches)} translate_batch call(s) per poll for "
          f"{sum(n for _, n in batches)} distinct sentences")
    ratio = median["argos-defaults"] / median["monitor"]
    print(f"\nspeed-up vs argos per item with its defaults: {ratio:.1f}x (target >= 5x at "
          f"{args.items} items: {'met' if ratio >= 5 else 'NOT met'})")
    print(f"speed-up vs argos per item at the same beam and threads (batching alone): "
          f"{median['argos-matched'] / median['monitor']:.1f}x")
    same = sum(a == b for a, b in zip(ours["outputs"], matched["outputs"]))
    print(f"identical outputs, monitor vs argos at the same beam: {same}/{len(texts)}")
    print("memory (RSS, MB): " + "; ".join(
        f"{kind}: {r['base_rss']:.0f} at start, {r['loaded_rss']:.0f} loaded "
        f"(+{r['loaded_rss'] - r['base_rss']:.0f}), peak {r['peak_rss']:.0f}"
        for kind, r in results.items()))
    print(f"model load: " + ", ".join(f"{k} {r['load']:.2f} s" for k, r in results.items()))
    calls = sum(r["network_calls"] for r in results.values()) + len(network_calls)
    print(f"network calls (audit hook, all processes): {calls}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
