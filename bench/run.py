"""`make bench`: the numbers the issues ask for, measured on this machine.

1. training time of the full model (`rasa train --force`);
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
    subprocess.run([sys.executable, "-m", "rasa", "train", "--force", "--config", "config.yml", "--domain",
                    "domain.yml", "--data", "data", "--out", str(out), "--fixed-model-name", "bench"],
                   cwd=ROOT, env=coach_environment(), check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def held_out_accuracy(work: Path) -> Dict[str, Tuple[int, int, int, int]]:
    """Per language: (topic questions right, topic questions, all intents right, all examples)."""
    train, test = split(read_examples())
    write_nlu(train, work / "train")
    subprocess.run([sys.executable, "-m", "rasa", "train", "nlu", "--config", "config.yml", "--nlu",
                    str(work / "train"), "--out", str(work), "--fixed-model-name", "heldout"],
                   cwd=ROOT, env=coach_environment(), check=True, stdout=subprocess.DEVNULL)
    from rasa.core.agent import Agent

    agent = Agent.load(str(work / "heldout.tar.gz"))
    results: Dict[str, Tuple[int, int, int, int]] = {}
    for language, intents in sorted(test.items()):
        topic_right = topics = right = total = 0
        for intent, items in intents.items():
            for text in items:
                parsed = asyncio.run(agent.parse_message(text))
                predicted = (parsed.get("intent") or {}).get("name")
                # A low-confidence topic question goes to the fallback: count it as a miss.
                right += predicted == intent
                total += 1
                if intent.startswith("coach_"):
                    topics += 1
                    topic_right += predicted == intent
        results[language] = (topic_right, topics, right, total)
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
            for language, (tr, tt, ar, at) in held_out_accuracy(Path(work)).items():
                rows.append((f"held-out topic accuracy {language}", f"{tr / tt:.1%} ({tr}/{tt})", ">= 90%"))
                rows.append((f"held-out intent accuracy {language}", f"{ar / at:.1%} ({ar}/{at})", ""))
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
