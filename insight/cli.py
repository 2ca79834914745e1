"""Command line: ``insight demo | run | ingest | fit | tag | report | demo-data``."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from insight.config import Config, SourceConfig, load_config
from insight.errors import InsightError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,  # help shows [[sources]] and [sentiment] as written
    help="Verbatim insight engine: topics and NPS impact from customer comments.",
)


@app.callback()
def _private_files() -> None:
    """Everything the CLI writes (database, reports, outbox, models) is readable by its owner
    only: files 0600, folders 0700. The data holds customers' comments."""
    os.umask(0o077)


ConfigOpt = Annotated[Path | None, typer.Option("--config", "-c", help="TOML/YAML config file.")]
SetOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--set", help="Override a config value: --set topics.min_topic_size=20 (repeatable)."
    ),
]
ScaleOpt = Annotated[
    str | None,
    typer.Option(
        "--scale",
        help="Score scale: nps (0-10), rating10 (1-10), csat5 or stars5 (1-5); same as "
        "--set scale.kind=... (set [scale] in the config to keep it for every command).",
    ),
]
FilesArg = Annotated[
    list[Path] | None,
    typer.Argument(help="Input files (CSV, JSONL, Parquet); default: the config's [[sources]]."),
]
TextCol = Annotated[str | None, typer.Option(help="Column holding the comment text.")]
ScoreCol = Annotated[str | None, typer.Option(help="Column holding the 0–10 score.")]
IdCol = Annotated[str | None, typer.Option(help="Column holding a unique row id.")]
DateCol = Annotated[str | None, typer.Option(help="Column holding the date/time.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")]

DEMO_CONFIG = Path(__file__).resolve().parent.parent / "configs" / "demo.toml"
SHARED_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


def _parse_overrides(items: list[str] | None) -> dict[str, Any]:
    overrides: dict[str, Any] = {}
    for item in items or []:
        key, sep, raw = item.partition("=")
        if not sep:
            raise InsightError(f"--set {item!r}: use key=value, e.g. --set seed=7")
        try:
            overrides[key.strip()] = json.loads(raw)
        except json.JSONDecodeError:
            overrides[key.strip()] = raw
    return overrides


def _config(path: Path | None, overrides: list[str] | None, scale: str | None = None) -> Config:
    extra = [f"scale.kind={scale}"] if scale else []
    return load_config(path, _parse_overrides([*(overrides or []), *extra]))


def _sources(
    files: list[Path] | None, text: str | None, score: str | None, id_: str | None, date: str | None
) -> list[SourceConfig] | None:
    if not files:
        return None
    columns = {
        k: v for k, v in {"text": text, "score": score, "id": id_, "created_at": date}.items() if v
    }
    return [SourceConfig.model_validate({"path": f, "columns": columns}) for f in files]


def _fail(exc: InsightError) -> None:
    typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
    raise typer.Exit(2)


def _print_ingest(summary: Any) -> None:
    typer.echo(
        f"rows in {summary.rows_in} = kept {summary.kept} + rejected {summary.rejected}; "
        f"{summary.mentions} mentions"
    )
    for reason, n in summary.reasons.most_common(8):
        typer.echo(f"  rejected {n:>5} × {reason}")


def _print_fit(result: Any) -> None:
    typer.echo(
        f"fitted {result.model_id}: {result.topics} topics ({result.subtopics} subtopics, cluster "
        f"size {result.cluster_size}) on {result.mentions} mentions, outliers "
        f"{100 * result.outlier_share:.1f}%, tag-vs-fit agreement {100 * result.tag_agreement:.2f}%"
        f" (subtopics {100 * result.subtopic_agreement:.2f}%) ({result.seconds:.0f} s)"
    )


@app.command()
def ingest(
    files: FilesArg = None,
    config: ConfigOpt = None,
    set_: SetOpt = None,
    scale: ScaleOpt = None,
    text_column: TextCol = None,
    score_column: ScoreCol = None,
    id_column: IdCol = None,
    date_column: DateCol = None,
    quiet: QuietOpt = False,
) -> None:
    """Validate, redact, segment and store comments (bad rows go to the rejects table)."""
    from insight.engine import Engine

    try:
        cfg = _config(config, set_, scale)
        with Engine.open(cfg) as engine:
            summary = engine.ingest(
                _sources(files, text_column, score_column, id_column, date_column),
                progress=not quiet,
            )
        _print_ingest(summary)
    except InsightError as exc:
        _fail(exc)


@app.command()
def fit(config: ConfigOpt = None, set_: SetOpt = None, quiet: QuietOpt = False) -> None:
    """Fit topics on every stored mention and save the model (safe formats, no pickle)."""
    from insight.engine import Engine

    try:
        cfg = _config(config, set_)
        with Engine.open(cfg) as engine:
            _print_fit(engine.fit(progress=not quiet))
    except InsightError as exc:
        _fail(exc)


@app.command()
def tag(
    file: Annotated[Path, typer.Argument(help="Comments to tag (CSV, JSONL, Parquet).")],
    config: ConfigOpt = None,
    set_: SetOpt = None,
    text_column: TextCol = None,
    score_column: ScoreCol = None,
    id_column: IdCol = None,
    date_column: DateCol = None,
    out: Annotated[
        Path | None, typer.Option(help="Write tagged mentions here (.csv/.jsonl).")
    ] = None,
    store_results: Annotated[
        bool, typer.Option("--store/--no-store", help="Also store the comments and tags.")
    ] = False,
    quiet: QuietOpt = False,
) -> None:
    """Assign new comments to the fitted topics (never refits)."""
    from insight.engine import Engine

    try:
        cfg = _config(config, set_)
        sources = _sources([file], text_column, score_column, id_column, date_column)
        assert sources is not None
        with Engine.open(cfg) as engine:
            summary, tagged = engine.tag_file(sources[0], persist=store_results, progress=not quiet)
        _print_ingest(summary)
        if out is not None:
            if out.suffix == ".jsonl":
                tagged.to_json(out, orient="records", lines=True, force_ascii=False)
            else:
                tagged.to_csv(out, index=False)
            typer.echo(f"wrote {len(tagged)} tagged mentions to {out}")
        else:
            counts = tagged["label"].value_counts().head(10)
            for label, n in counts.items():
                typer.echo(f"  {n:>5}  {label}")
    except InsightError as exc:
        _fail(exc)


@app.command()
def report(
    config: ConfigOpt = None,
    set_: SetOpt = None,
    scale: ScaleOpt = None,
    out: Annotated[Path | None, typer.Option(help="Output folder.")] = None,
) -> None:
    """Write the topic report (Markdown + HTML) for the active model."""
    from insight.engine import Engine

    try:
        cfg = _config(config, set_, scale)
        with Engine.open(cfg) as engine:
            paths = engine.report(out)
        for path in paths.values():
            typer.echo(f"wrote {path}")
    except InsightError as exc:
        _fail(exc)


@app.command()
def run(
    files: FilesArg = None,
    config: ConfigOpt = None,
    set_: SetOpt = None,
    scale: ScaleOpt = None,
    text_column: TextCol = None,
    score_column: ScoreCol = None,
    id_column: IdCol = None,
    date_column: DateCol = None,
    quiet: QuietOpt = False,
) -> None:
    """The main job in one command: ingest → fit topics → report."""
    from insight.engine import run_all

    try:
        started = time.perf_counter()
        cfg = _config(config, set_, scale)
        result = run_all(
            cfg,
            _sources(files, text_column, score_column, id_column, date_column),
            progress=not quiet,
        )
        _print_ingest(result.ingest)
        _print_fit(result.fit)
        for path in result.report.values():
            typer.echo(f"wrote {path}")
        typer.echo(f"done in {time.perf_counter() - started:.0f} s (database {cfg.db_path})")
    except InsightError as exc:
        _fail(exc)


@app.command("train-sentiment")
def train_sentiment(
    data: Annotated[
        Path | None,
        typer.Option(
            help="CSV with text,label (negative/neutral/positive, or 0/1): your labels, "
            "weighted as much as the public mix together. Default: the public mix only."
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            help="Where to write the head (.json + .npz); default: the bundled one for "
            "the public mix, artifacts/sentiment_head.json with your own data."
        ),
    ] = None,
    c: Annotated[float, typer.Option(help="Inverse regularisation of the logistic head.")] = 1.0,
    finetune: Annotated[
        bool,
        typer.Option("--finetune", help="Fine-tune MiniLM end to end instead (stronger, slower)."),
    ] = False,
    epochs: Annotated[int, typer.Option(help="Fine-tuning epochs.")] = 1,
    limit: Annotated[int, typer.Option(help="Fine-tuning: at most this many rows.")] = 12000,
    shared: Annotated[Path, typer.Option(help="Folder of the public labelled sets.")] = SHARED_DATA,
    config: ConfigOpt = None,
) -> None:
    """Train the 3-class sentiment + emotion head (or fine-tune MiniLM); set [sentiment]
    head_path to use your own. Reads GoEmotions, XED, hotel reviews, UCI and CLINC150."""
    from insight.models.sentiment import bundled_head_path
    from insight.pipelines.components import build_segmenter
    from insight.pipelines.sentiment import train_shipped_recipe, training_data

    try:
        cfg = _config(config, None)
        labelled = training_data(shared, build_segmenter(cfg).split_many, data)
        if finetune:
            from insight.models.finetuned import finetune as run_finetune
            from insight.pipelines.sentiment import sample

            picked = sample(labelled, limit, favour="user")
            folder = out or cfg.artifacts_dir / "sentiment_finetuned"
            run_finetune(picked.texts, picked.labels, folder, epochs=epochs, progress=True)
            typer.echo(
                f"fine-tuned on {len(picked.texts)} sentences; wrote {folder}\nuse it "
                f"with: --set sentiment.component=insight.finetuned.v1 "
                f"--set sentiment.head_path={folder}"
            )
            return
        target = out or (
            bundled_head_path() if data is None else cfg.artifacts_dir / "sentiment_head.json"
        )
        head = train_shipped_recipe(labelled, shared, c=c)
        path = head.save(target)
        typer.echo(
            f"trained on {head.meta_['n']} sentences "
            f"(training accuracy {head.meta_['training_accuracy']:.3f}); wrote {path}"
        )
        if data is not None:
            typer.echo(f"use it with: --set sentiment.head_path={path}")
    except InsightError as exc:
        _fail(exc)


@app.command()
def serve(
    config: ConfigOpt = None,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
) -> None:
    """Start the API and the analyst page (http://HOST:PORT/ui/); docs at /docs.

    Settings come from INSIGHT_* variables (INSIGHT_ENVIRONMENT=production refuses insecure
    defaults). The service holds the database open: run ingest/fit before, not beside it.
    """
    import os

    import uvicorn

    if config is not None:
        os.environ["INSIGHT_CONFIG"] = str(config)
    # by import string: uvicorn loads the app, so the engine package never imports the API
    uvicorn.run("api.app:create_app", factory=True, host=host, port=port, log_level="info")


keys_app = typer.Typer(
    help="API keys: create (shown once), list, revoke.", no_args_is_help=True, rich_markup_mode=None
)
app.add_typer(keys_app, name="keys")


@keys_app.command("create")
def keys_create(
    role: Annotated[str, typer.Option(help="tool | analyst | executive | admin")],
    name: Annotated[str, typer.Option(help="Who or what uses the key.")],
    expires_in_days: Annotated[
        float | None, typer.Option(help="Refuse the key after this many days (default: never).")
    ] = None,
    config: ConfigOpt = None,
) -> None:
    """Create a key; it is printed once and only its hash is stored."""
    import getpass
    from datetime import UTC, datetime, timedelta

    from insight.access import create_key
    from insight.store import Store

    expires = None
    if expires_in_days is not None:
        expires = datetime.now(UTC).replace(tzinfo=None) + timedelta(days=expires_in_days)
    try:
        with Store(_config(config, None).db_path) as store:
            typer.echo(create_key(store, name, role, f"cli:{getpass.getuser()}", expires))
    except InsightError as exc:
        _fail(exc)


@keys_app.command("list")
def keys_list(config: ConfigOpt = None) -> None:
    """List keys (ids, names, roles; never the keys themselves)."""
    from insight.store import Store

    try:
        with Store(_config(config, None).db_path) as store:
            frame = store.api_keys()
    except InsightError as exc:  # e.g. the service holds the database: revoke through the API
        _fail(exc)
    typer.echo(frame.to_string(index=False) if len(frame) else "no keys yet")


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[str, typer.Argument(help="The id part of ik_<id>_<secret>.")],
    config: ConfigOpt = None,
) -> None:
    from insight.store import Store

    try:
        with Store(_config(config, None).db_path) as store:
            revoked = store.revoke_api_key(key_id)
    except InsightError as exc:  # e.g. the service holds the database: DELETE /v1/keys/{id}
        _fail(exc)
    if not revoked:
        _fail(InsightError(f"no active key {key_id!r}"))
    typer.echo(f"revoked {key_id}")


@app.command("tag-distributed")
def tag_distributed(
    source: Annotated[
        Path, typer.Argument(help="Parquet file or folder with id and text columns.")
    ],
    out: Annotated[Path, typer.Argument(help="Output folder for Parquet files.")],
    config: ConfigOpt = None,
    set_: SetOpt = None,
    workers: Annotated[int, typer.Option(help="Tagging actors (each loads the models).")] = 2,
    batch_size: Annotated[int, typer.Option(help="Rows per batch.")] = 512,
    address: Annotated[
        str | None, typer.Option(help="Ray cluster address ('auto' on a cluster node).")
    ] = None,
) -> None:
    """Tag a Parquet dataset on Ray (local, or a cluster with --address); never refits."""
    from insight.engine import Engine
    from insight.pipelines.distributed import tag_parquet

    try:
        cfg = _config(config, set_)
        with Engine.open(cfg, read_only=True) as engine:
            spec = engine.model_spec()
        rows = tag_parquet(spec, source, out, workers, batch_size, address)
    except InsightError as exc:
        _fail(exc)
    typer.echo(f"wrote {rows} rows (mentions + rejects) to {out}")


@app.command()
def schedule(
    config: ConfigOpt = None,
    set_: SetOpt = None,
    once: Annotated[bool, typer.Option("--once", help="One check, then exit (for cron).")] = False,
) -> None:
    """Send scheduled digests and retry pending alerts/digests (runs until stopped).

    Safe to restart at any time: each digest period is queued once (idempotent) and periods
    missed while it was down are sent on the next check. Needs [[digests]] or [[alerts]].
    """
    import logging

    from insight.engine import Engine
    from insight.notifications.notify import start_scheduler

    try:
        cfg = _config(config, set_)
        if not (cfg.digests or cfg.alerts):
            raise InsightError("no [[digests]] or [[alerts]] in the config: nothing to schedule")
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
        with Engine.open(cfg) as engine:
            notifier = engine.notifier()
            if once:
                typer.echo(str(notifier.tick()))
                return
            typer.echo(f"checking every {cfg.delivery.tick_s:g} s; Ctrl+C to stop")
            try:
                start_scheduler(notifier, blocking=True)
            except (KeyboardInterrupt, SystemExit):
                typer.echo("stopped")
    except InsightError as exc:
        _fail(exc)


@app.command()
def deliveries(config: ConfigOpt = None, set_: SetOpt = None) -> None:
    """Digest and alert deliveries: sent, pending (next attempt) and failed (with the error)."""
    from insight.store import Store

    try:
        with Store(_config(config, set_).db_path) as store:
            frame = store.deliveries()
    except InsightError as exc:
        _fail(exc)
    columns = ["delivery_id", "status", "attempts", "next_attempt_at", "last_error"]
    typer.echo(frame[columns].to_string(index=False) if len(frame) else "no deliveries yet")


@app.command("demo-data")
def demo_data(
    out: Annotated[Path, typer.Option(help="Output folder.")] = Path("data/demo"),
    n: Annotated[int, typer.Option(help="Number of comments.")] = 6000,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 2026,
) -> None:
    """Generate the synthetic demo corpus (three exports + planted ground truth)."""
    from insight.demo.generator import write_corpus

    for kind, path in write_corpus(out, n, seed).items():
        typer.echo(f"{kind:>10}: {path}")


@app.command()
def demo(config: ConfigOpt = None, quiet: QuietOpt = False) -> None:
    """Generate the demo corpus and run the main job on it (fresh database each time)."""
    from insight.demo.generator import write_corpus

    cfg_path = config or DEMO_CONFIG
    try:
        cfg = load_config(cfg_path)
        folder = cfg.sources[0].path.parent if cfg.sources else Path("data/demo")
        write_corpus(folder)
        for stale in (cfg.db_path, cfg.db_path.with_suffix(cfg.db_path.suffix + ".wal")):
            stale.unlink(missing_ok=True)
    except InsightError as exc:
        _fail(exc)
    run(config=cfg_path, quiet=quiet)


def main() -> None:  # pragma: no cover - console entry point
    sys.exit(app())
