#!/usr/bin/env python3
"""Captures the Python tool's HTTP answers as test fixtures.

Starts the Python tool's uvicorn on 127.0.0.1 (simulate mode, a fresh presets
folder in a temporary directory), sends each request below in order and
writes tests/fixtures/python_api/<server>.json: for every case the request,
the status and the JSON body it answered. tests/serve_python_api.rs replays
the same requests against `music-gen serve` and compares.

Usage (see tests/fixtures/python_api/README.md):
    python3 -m venv /work/pyvenv
    /work/pyvenv/bin/pip install -r /path/to/pytool/requirements.txt
    /work/pyvenv/bin/python scripts/capture-python-api.py /path/to/pytool
"""

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

KEY = "test_secret_key"

STRUCTURE = {"intro": True, "verse_count": 2, "chorus_count": 3, "bridge": True, "outro": True}


def gen(name, body):
    return {"name": name, "method": "POST", "path": "/tracks/generate", "json": body}


def raw_gen(name, content_type, body=None):
    """A generate request whose body is sent as is, under `content_type`."""
    if body is None:
        body = json.dumps({"text_input": "t", "genre": "rock", "preset_name": "rock_anthem"})
    return {"name": name, "method": "POST", "path": "/tracks/generate", "raw": body,
            "headers": {"Content-Type": content_type}}


def get(name, path, headers=None):
    return {"name": name, "method": "GET", "path": path, "headers": headers or {}}


# Cases against a server without an API key, in this order.
OPEN_CASES = [
    get("root", "/"),
    get("health", "/health"),
    get("config", "/config"),
    get("presets_list", "/presets"),
    get("preset_get", "/presets/rock_anthem"),
    get("preset_get_missing", "/presets/nonexistent_preset"),
    get("prompt_tips", "/prompt-tips"),
    get("prompt_tips_one", "/prompt-tips?preset_name=rock_anthem"),
    get("prompt_tips_missing", "/prompt-tips?preset_name=nonexistent_preset"),
    gen("generate_structure", {
        "text_input": "We are the champions", "genre": "rock", "duration_seconds": 180,
        "structure": STRUCTURE, "temperature": 0.8}),
    gen("generate_preset", {
        "text_input": "We are the champions", "genre": "rock", "duration_seconds": 180,
        "preset_name": "rock_anthem"}),
    gen("generate_preset_genre_ignored", {
        "text_input": "Smooth words", "genre": "metal", "preset_name": "jazz_smooth"}),
    gen("generate_preset_overrides", {
        "text_input": "Line one\nLine two", "genre": "rock", "duration_seconds": 95,
        "preset_name": "rock_anthem",
        "structure": {"intro": False, "verse_count": 1, "chorus_count": 1, "bridge": False, "outro": False},
        "style_references": [{"type": "artist", "value": "Queen"}],
        "temperature": 0.25}),
    gen("generate_defaults", {
        "text_input": "Defaults only", "genre": "ambient", "structure": {}}),
    gen("generate_preset_temperature_zero", {
        "text_input": "cold", "genre": "x", "preset_name": "electronic_dance", "temperature": 0}),
    gen("generate_preset_missing", {
        "text_input": "Test lyrics", "genre": "rock", "duration_seconds": 180,
        "preset_name": "nonexistent_preset"}),
    gen("generate_no_structure", {"text_input": "Test lyrics", "genre": "rock"}),
    gen("generate_duration_low", {
        "text_input": "Test lyrics", "genre": "rock", "duration_seconds": 30, "structure": STRUCTURE}),
    gen("generate_duration_high", {
        "text_input": "Test lyrics", "genre": "rock", "duration_seconds": 241, "structure": STRUCTURE}),
    gen("generate_missing_text", {"genre": "rock", "duration_seconds": 180}),
    gen("generate_empty_object", {}),
    gen("generate_many_errors", {
        "text_input": 5, "genre": "rock", "duration_seconds": "long", "temperature": 1.5,
        "structure": {"intro": "maybe", "verse_count": 9, "chorus_count": 0},
        "style_references": [{"type": "style"}, "x"]}),
    gen("generate_wrong_types", {
        "text_input": "t", "genre": None, "duration_seconds": 90.5, "temperature": "hot",
        "preset_name": 3, "structure": [1]}),
    gen("generate_temperature_negative", {
        "text_input": "t", "genre": "rock", "structure": STRUCTURE, "temperature": -0.1}),
    gen("generate_lax_numbers", {
        "text_input": "t", "genre": "rock", "duration_seconds": "120", "structure": {"verse_count": 3.0},
        "temperature": "0.5"}),
    gen("generate_body_list", [1, 2]),
    {"name": "generate_invalid_json", "method": "POST", "path": "/tracks/generate",
     "raw": "{\"text_input\": ", "headers": {"Content-Type": "application/json"}},
    {"name": "generate_no_body", "method": "POST", "path": "/tracks/generate"},
    # The body is JSON only when the Content-Type says so.
    raw_gen("generate_text_plain", "text/plain"),
    raw_gen("generate_form", "application/x-www-form-urlencoded"),
    raw_gen("generate_text_json", "text/json"),
    raw_gen("generate_not_a_media_type", "json"),
    raw_gen("generate_json_charset", "application/json; charset=utf-8"),
    raw_gen("generate_json_upper_case", "APPLICATION/JSON"),
    raw_gen("generate_vendor_json", "application/vnd.api+json"),
    raw_gen("generate_text_plain_empty", "text/plain", ""),
    raw_gen("generate_text_plain_garbage", "text/plain", "{not json"),
    {"name": "preset_create_text_plain", "method": "POST", "path": "/presets",
     "raw": json.dumps({"name": "plain_text", "genre": "folk"}),
     "headers": {"Content-Type": "text/plain"}},
    get("preset_get_text_plain", "/presets/plain_text"),
    {"name": "preset_create", "method": "POST", "path": "/presets", "json": {
        "name": "test_preset_api", "description": "Test preset for API", "genre": "test",
        "structure": {"intro": True, "verse_count": 2, "chorus_count": 2, "bridge": True, "outro": True},
        "style_references": [], "temperature": 0.7}},
    get("presets_list_after_create", "/presets"),
    get("preset_get_created", "/presets/test_preset_api"),
    {"name": "preset_create_minimal", "method": "POST", "path": "/presets",
     "json": {"name": "minimal", "genre": "folk"}},
    get("preset_get_minimal", "/presets/minimal"),
    get("prompt_tips_minimal", "/prompt-tips?preset_name=minimal"),
    {"name": "preset_replace", "method": "POST", "path": "/presets", "json": {
        "name": "minimal", "genre": "folk rock", "description": "replaced", "tips": "Sing it plain.",
        "temperature": 0.35, "style_references": [{"type": "sound", "value": "banjo"}]}},
    get("preset_get_replaced", "/presets/minimal"),
    {"name": "preset_create_invalid", "method": "POST", "path": "/presets", "json": {
        "name": "bad", "temperature": 2, "structure": {"verse_count": 0}}},
    {"name": "preset_delete", "method": "DELETE", "path": "/presets/test_preset_api"},
    {"name": "preset_delete_again", "method": "DELETE", "path": "/presets/test_preset_api"},
    {"name": "preset_delete_minimal", "method": "DELETE", "path": "/presets/minimal"},
    get("preset_get_deleted", "/presets/test_preset_api"),
    get("not_found_route", "/nope"),
]

KEY_CASES = [
    get("root_open", "/"),
    get("health_open", "/health"),
    get("presets_no_key", "/presets"),
    get("presets_x_api_key", "/presets", {"X-API-Key": KEY}),
    get("presets_bearer", "/presets", {"Authorization": "Bearer " + KEY}),
    get("presets_bearer_lowercase", "/presets", {"Authorization": "bearer " + KEY}),
    get("presets_wrong_key", "/presets", {"X-API-Key": "wrong_key"}),
    get("presets_wrong_bearer", "/presets", {"Authorization": "Bearer wrong_key"}),
    get("presets_basic_auth", "/presets", {"Authorization": "Basic " + KEY}),
    get("config_with_key", "/config", {"X-API-Key": KEY}),
    get("config_no_key", "/config"),
    {"name": "generate_no_key", "method": "POST", "path": "/tracks/generate",
     "json": {"text_input": "t", "genre": "rock", "preset_name": "rock_anthem"}},
    {"name": "delete_no_key", "method": "DELETE", "path": "/presets/rock_anthem"},
]

GCP_CASES = [
    get("root_gcp", "/"),
    get("health_gcp", "/health"),
    get("config_gcp", "/config"),
]

SERVERS = [
    ("simulate", {"MUSIC_GEN_MODE": "simulate"}, OPEN_CASES),
    ("simulate_key", {"MUSIC_GEN_MODE": "simulate", "MUSIC_GEN_API_KEY": KEY}, KEY_CASES),
    ("gcp_config", {"MUSIC_GEN_MODE": "gcp", "GOOGLE_CLOUD_PROJECT": "test-project-123",
                    "GOOGLE_CLOUD_REGION": "us-west1"}, GCP_CASES),
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def send(port, case):
    headers = dict(case.get("headers", {}))
    data = None
    if "json" in case:
        data = json.dumps(case["json"]).encode()
        headers.setdefault("Content-Type", "application/json")
    elif "raw" in case:
        data = case["raw"].encode()
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}{case['path']}", data=data, method=case["method"], headers=headers)
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def run_server(pytool, env_extra, cases):
    port = free_port()
    with tempfile.TemporaryDirectory() as cwd:
        env = {k: v for k, v in os.environ.items()
               if k not in ("MUSIC_GEN_API_KEY", "MUSIC_GEN_MODE", "GOOGLE_CLOUD_PROJECT",
                            "GOOGLE_CLOUD_REGION")}
        env.update(env_extra)
        env["PYTHONPATH"] = str(Path(pytool) / "src")
        proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "music_generator.api:app",
             "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
            cwd=cwd, env=env)
        try:
            for _ in range(600):
                try:
                    send(port, {"method": "GET", "path": "/health"})
                    break
                except OSError:
                    time.sleep(0.1)
            out = []
            for case in cases:
                status, body = send(port, case)
                entry = {k: v for k, v in case.items()}
                entry["status"] = status
                entry["body"] = json.loads(body)
                out.append(entry)
            return out
        finally:
            proc.terminate()
            proc.wait()


def main():
    pytool = sys.argv[1] if len(sys.argv) > 1 else "/work/pytool"
    out_dir = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "python_api"
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, env, cases in SERVERS:
        result = {"env": env, "cases": run_server(pytool, env, cases)}
        path = out_dir / f"{name}.json"
        path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
        print(f"wrote {path} ({len(cases)} cases)")


if __name__ == "__main__":
    main()
