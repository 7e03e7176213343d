"""Parses Prometheus text exposition with the official client's parser (prometheus_client).

Usage: parse_metrics.py INPUT OUTPUT. Writes JSON: {"families": {name: type}, "samples":
[{"name", "labels", "value"}]}. Exits non-zero (with the parser's message) if the text is not
valid exposition format.
"""
import json
import sys

from prometheus_client.parser import text_string_to_metric_families


def main() -> None:
    source, target = sys.argv[1], sys.argv[2]
    with open(source, encoding="utf-8") as f:
        text = f.read()
    families = {}
    samples = []
    for family in text_string_to_metric_families(text):
        families[family.name] = family.type
        for sample in family.samples:
            samples.append({"name": sample.name, "labels": dict(sample.labels), "value": float(sample.value)})
    with open(target, "w", encoding="utf-8") as f:
        json.dump({"families": families, "samples": samples}, f)


if __name__ == "__main__":
    main()
