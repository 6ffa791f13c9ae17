"""`make bench`: the numbers the issues ask for, measured on this machine.

1. training time of the full model (`rasa train --force`, through bot/rasa_cli as `make train` does);
2. held-out topic accuracy per language: an NLU model trained on 80% of the examples of every
   intent and language, tested on the other 20%;
3. language detection on held-out questions of five words or more;
4. end-to-end latency through the REST channel, action server included (p50, p95).
"""
from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Tuple

import httpx

from actions.language import detect_language, warm_up
from bench.nlu_data import ROOT, read_examples, split, write_nlu
from bot.stack import Stack, coach_environment


def percentile(values: List[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def time_training(out: Path) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "bot.rasa_cli", "train", "--force", "--skip-validation", "--config", "config.yml", "--domain",
                    "domain.yml", "--data", "data", "--out", str(out), "--fixed-model-name", "bench"],
                   cwd=ROOT, env=coach_environment(), check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def held_out_accuracy(work: Path) -> Dict[str, Dict[str, Tuple[int, int]]]:
    """Per language, over held-out coaching questions: the top topic is right (`top1`), it is
    right and confident enough to be answered at once (`answered`), the right topic is among the
    three the fallback would offer (`top3`); and over all held-out examples, the intent (`intent`)."""
    train, test = split(read_examples())
    write_nlu(train, work / "train")
    subprocess.run([sys.executable, "-m", "bot.rasa_cli", "train", "nlu", "--config", "config.yml", "--nlu",
                    str(work / "train"), "--out", str(work), "--fixed-model-name", "heldout"],
                   cwd=ROOT, env=coach_environment(), check=True, stdout=subprocess.DEVNULL)
    from rasa.core.agent import Agent

    agent = Agent.load(str(work / "heldout.tar.gz"))
    results: Dict[str, Dict[str, Tuple[int, int]]] = {}
    for language, intents in sorted(test.items()):
        counts = {"top1": [0, 0], "answered": [0, 0], "top3": [0, 0], "intent": [0, 0]}
        for intent, items in intents.items():
            for text in items:
                parsed = asyncio.run(agent.parse_message(text))
                ranking = [r["name"] for r in parsed.get("intent_ranking", []) if r["name"] != "nlu_fallback"]
                predicted = (parsed.get("intent") or {}).get("name")
                counts["intent"][0] += predicted == intent
                counts["intent"][1] += 1
                if intent.startswith("coach_"):
                    topics = [name for name in ranking if name.startswith("coach_")]
                    for key, hit in (("top1", ranking[:1] == [intent]), ("answered", predicted == intent),
                                     ("top3", intent in topics[:3])):
                        counts[key][0] += hit
                        counts[key][1] += 1
        results[language] = {key: (value[0], value[1]) for key, value in counts.items()}
    return results


def detection_accuracy() -> Dict[str, Tuple[int, int]]:
    warm_up()
    _, test = split(read_examples())
    results: Dict[str, Tuple[int, int]] = {}
    for language, intents in sorted(test.items()):
        questions = [t for items in intents.values() for t in items if len(t.split()) >= 5]
        results[language] = (sum(detect_language(t) == language for t in questions), len(questions))
    return results


def latency(requests: int) -> Tuple[float, float, float]:
    examples = read_examples()
    questions = [t for intents in examples.values() for i, items in intents.items() if i.startswith("coach_")
                 for t in items]
    random.Random(3).shuffle(questions)
    with tempfile.TemporaryDirectory() as state:
        stack = Stack(rasa_port=5095, action_port=5096, state_dir=Path(state)).start()
        try:
            timings = []
            with httpx.Client(timeout=30) as client:
                for n, text in enumerate(questions[: requests + 20]):
                    started = time.perf_counter()
                    client.post(f"{stack.rasa_url}/webhooks/rest/webhook",
                                json={"sender": f"bench-{n % 20}", "message": text}).raise_for_status()
                    if n >= 20:  # the first requests warm up caches
                        timings.append((time.perf_counter() - started) * 1000)
        finally:
            stack.stop()
    return statistics.median(timings), percentile(timings, 0.95), max(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--skip-training", action="store_true")
    args = parser.parse_args()
    rows: List[Tuple[str, str, str]] = []
    with tempfile.TemporaryDirectory() as work:
        if not args.skip_training:
            seconds = time_training(Path(work))
            rows.append(("training time (full model)", f"{seconds:.0f} s", "< 180 s"))
            labels = {"top1": ("held-out topic accuracy (top 1)", ">= 90%"),
                      "answered": ("  answered at once, right topic", ""),
                      "top3": ("  right topic among 3 offered", ""),
                      "intent": ("  all intents, incl. fallback", "")}
            for language, counts in held_out_accuracy(Path(work)).items():
                for key, (label, target) in labels.items():
                    right, total = counts[key]
                    rows.append((f"{label} {language}", f"{right / total:.1%} ({right}/{total})", target))
    for language, (right, total) in detection_accuracy().items():
        rows.append((f"language detection {language} (>= 5 words)", f"{right / max(total, 1):.1%} ({right}/{total})", ">= 98%"))
    p50, p95, worst = latency(args.requests)
    rows.append(("REST latency p50 (coaching question)", f"{p50:.1f} ms", ""))
    rows.append(("REST latency p95 (coaching question)", f"{p95:.1f} ms", "< 100 ms"))
    rows.append(("REST latency max", f"{worst:.1f} ms", ""))
    width = max(len(r[0]) for r in rows)
    print(f"\n{'measure':<{width}}  {'result':<22}  target")
    for name, value, target in rows:
        print(f"{name:<{width}}  {value:<22}  {target}")


if __name__ == "__main__":
    main()
