"""Model cards of a zoo export: `model_card.json` (what programs read) and `MODEL_CARD.md`.

A card names what a user of the SavedModel must know and cannot read from its
signatures: the prior the codes of `sample` / `decode` must follow (from the model's
prior object), the pixel range of every image going in or out, the weights served
(averaged or as trained), how and for how long the model was trained, where its recipe
departs from the paper (the zoo config's docstring, a `deviations` field if the config
has one, and the config keys that differ from the `paper` and default variants), and
its evaluation. The Markdown is rendered from the JSON alone, so a card is rewritten
without the model: `refresh_model_card` does that when the evaluator has written
`<version>/eval/metrics.json` (`bazel run //otzoo:evaluate` calls it).
"""

import datetime
import importlib
import json
import os
import subprocess
import textwrap

from otzoo.registry import Registry

EVAL_METRICS = os.path.join("eval", "metrics.json")
EVALUATE_COMMAND = "bazel run //otzoo:evaluate -- --model={name} --version={version}"

# name of a prior in `otzoo.models.priors.PRIORS` -> fn(parameters) -> (law, range):
# `parameters` is the prior's `get_config()`; `law` says how z is distributed, `range`
# where it lies. A prior without an entry still exports, described by its parameters
# only (tests/exported/model_card_test.py fails until it has one).
PRIOR_DESCRIPTIONS = Registry("prior description")


@PRIOR_DESCRIPTIONS.register("normal")
def _normal(p):
    s, d = p["scale"], p["latent_dim"]
    return (f"N(0, {s}² I_{d}): each coordinate independently normal, mean 0, standard "
            f"deviation {s}", f"unbounded (99.7% of coordinates within ±{3 * s:g})")


@PRIOR_DESCRIPTIONS.register("uniform")
def _uniform(p):
    h, d = p["half_width"], p["latent_dim"]
    return (f"uniform on the cube [-{h}, {h}]^{d}: each coordinate independently "
            f"U(-{h}, {h})", f"every coordinate in [-{h}, {h}]")


@PRIOR_DESCRIPTIONS.register("disk")
def _disk(p):
    r, d = p["radius"], p["latent_dim"]
    return (f"uniform on the {d}-ball of radius {r}: z = {r} U^(1/{d}) u, u uniform on the "
            f"unit sphere, U ~ U(0, 1)", f"|z| <= {r}")


@PRIOR_DESCRIPTIONS.register("ring")
def _ring(p):
    r, noise, d = p["radius"], p["noise"], p["latent_dim"]
    return (f"a noisy sphere shell: z = {r} u + {noise} N(0, I_{d}), u uniform on the unit "
            f"sphere", f"|z| close to {r} (Gaussian noise of standard deviation {noise} "
                       f"per coordinate)")


@PRIOR_DESCRIPTIONS.register("gaussian_mixture")
def _gaussian_mixture(p):
    k, r, s, d = p["num_components"], p["radius"], p["scale"], p["latent_dim"]
    where = (f"evenly spaced on [-{r}, {r}]" if d == 1 else
             f"evenly spaced on the circle of radius {r} in the first two coordinates")
    return (f"(1/{k}) Σ_k N(μ_k, {s}² I_{d}), {k} means μ_k {where}",
            f"unbounded; near the means (standard deviation {s} around each)")


def describe_prior(prior):
    """The card's `latent_prior` entry for an `otzoo.models.priors.Prior`, or None."""
    if prior is None:
        return None
    name = getattr(prior, "name", None) or type(prior).__name__
    parameters = prior.get_config() if hasattr(prior, "get_config") else {}
    if name in PRIOR_DESCRIPTIONS:
        law, support = PRIOR_DESCRIPTIONS.get(name)(parameters)
    else:
        law, support = f"prior {name!r} with parameters {parameters}", "not described"
    return {"name": name, "parameters": parameters, "distribution": law, "range": support}


def _flatten(tree, prefix=""):
    flat = {}
    for key, value in tree.items():
        if isinstance(value, dict) and value:
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


UNSET = "(unset)"


def config_differences(config, reference):
    """{dotted key: [reference value, run value]} where two config dicts differ.

    A key one side does not set has the value `UNSET` there.
    """
    run, ref = _flatten(config), _flatten(reference)
    return {k: [ref.get(k, UNSET), run.get(k, UNSET)] for k in sorted(set(run) | set(ref))
            if run.get(k, UNSET) != ref.get(k, UNSET)}


def _docstring_recipe(doc):
    """The docstring's prose: its command lines (indented `bazel run ...`) dropped."""
    lines = [line for line in (doc or "").strip().splitlines()
             if not line.strip().startswith("bazel run")]
    return "\n".join(lines).strip()


def recipe(config_dict):
    """The card's `recipe`: the zoo config's docstring and how this run's config departs
    from the config's `paper` variant and its default, as the config module reads now.

    None when `config_dict["model"]` has no `zoo_configs/<model>.py` (a hand-built config).
    """
    model = config_dict.get("model")
    try:
        module = importlib.import_module(f"zoo_configs.{model}")
    except ImportError:
        return None
    entry = {"source": f"zoo_configs/{model}.py",
             "description": _docstring_recipe(module.__doc__),
             "deviations": config_dict.get("deviations")}
    for variant, key in (("paper", "differs_from_paper_variant"),
                         (None, "differs_from_default_variant")):
        try:
            reference = module.get_config(variant)
        except (ValueError, TypeError):  # no such variant in this config
            entry[key] = None
            continue
        entry[key] = config_differences(config_dict,
                                        json.loads(reference.to_json_best_effort()))
    return entry


def git_commit():
    """The current git commit of the source tree, or "unknown"."""
    root = os.environ.get("BUILD_WORKSPACE_DIRECTORY") or os.path.dirname(
        os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    try:
        out = subprocess.run(["git", "-C", root, "rev-parse", "HEAD"], capture_output=True,
                             text=True, timeout=10)
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def model_card(name, version, config, module, summary, metrics=None, command=None,
               export_command=None):
    """The model card as a dict (written as JSON and Markdown).

    `command` is the training command (the card's `command`), `export_command` the one
    that exported the checkpoint when that was a separate step.
    """
    summary = dict(summary or {})
    config_dict = json.loads(config.to_json_best_effort())
    card = {
        "name": name,
        "version": version,
        "model": config.model,
        "exported_at": datetime.datetime.now(datetime.timezone.utc).isoformat(
            timespec="seconds"),
        "git_commit": git_commit(),
        "command": command or summary.get("command"),
        "export_command": export_command,
        "data": {"name": config.data.name, "shape": list(module.data_shape),
                 "value_range": list(config.data.options.get("value_range", (0, 1)))},
        "latent_dim": module.latent_dim,
        "latent_prior": describe_prior(getattr(module.model, "prior", None)),
        "ema_decay": getattr(module.model, "ema_decay", None) or None,
        "signatures": sorted(module.signatures()),
        "max_samples_per_request": module.max_samples,
        "training": summary,
        "recipe": recipe(config_dict),
        "metrics": metrics or {},
        "config": config_dict,
    }
    if getattr(module, "weights_note", None):  # only with weight averaging (ema_decay)
        card["weights"] = module.weights_note
    return card


# -- Markdown ---------------------------------------------------------------------------

def _value(v):
    return f"{v:.4g}" if isinstance(v, float) else str(v)


def _bullet(text):
    return textwrap.fill(text, width=88, initial_indent="- ", subsequent_indent="  ")


def _prior_section(card):
    d = card["latent_dim"]
    prior = card.get("latent_prior")
    takers = [f"`{s}`" for s in ("sample", "decode") if s in card["signatures"]]
    takers = " and ".join(takers) + (" take" if len(takers) > 1 else " takes")
    if prior:
        law = (f"{prior['distribution']} (prior `{prior['name']}`, "
               f"{json.dumps(prior['parameters'], sort_keys=True)}). Range: {prior['range']}")
    else:  # a card written before cards named the prior
        configured = card.get("config", {}).get("model_kwargs", {}).get("prior")
        law = ("not recorded by the export that wrote this card" +
               (f"; its config sets `model_kwargs.prior = {configured!r}`"
                if configured else ""))
    return "\n".join([
        _bullet(f"Latent prior: {law}."),
        _bullet(f"{takers} codes z, float32 [n, {d}], that should follow this prior: "
                f"codes from elsewhere are computed with, not refused, but the model never "
                f"saw them in training."),
        _bullet("`sample_n` draws its codes from this prior itself, with the stateless seed "
                "pair made from `seed` (int64; seeds in the int32 range give the pair "
                "[seed, 0]), so one seed gives the same codes and images on every call and "
                "server; it returns the codes it used as `z`."),
    ])


def _from_bytes(low, high):
    """The map of 8-bit pixels x onto [low, high], as a formula: x / 127.5 - 1, say."""
    formula = "x / 255" if high - low == 1 else f"x / {255 / (high - low):g}"
    return formula + (f" + {low:g}" if low > 0 else f" - {-low:g}" if low < 0 else "")


def _images_section(card):
    low, high = card["data"]["value_range"]
    shape = ", ".join(str(s) for s in card["data"]["shape"])
    lines = [_bullet(f"Output pixels (`images`, `reconstructions`) are in [{low}, {high}].")]
    if "encode" in card["signatures"] or "reconstruct" in card["signatures"]:
        lines.append(_bullet(
            f"`encode` and `reconstruct` take images float32 [n, {shape}] with pixels in "
            f"[{low}, {high}] as well (8-bit data x: {_from_bytes(low, high)}); "
            f"values outside are not clipped."))
    lines.append(_bullet(f"At most {card['max_samples_per_request']} samples or input rows "
                         f"per request; inputs of the wrong shape or not finite are refused."))
    return "\n".join(lines)


def _weights_line(card):
    if card.get("weights"):
        uses = ("every signature but `encode`, which has the trained encoder"
                if "encode" in card["signatures"] else "every signature")
        return (f"Weights: {card['weights']} (`model_kwargs.ema_decay = "
                f"{card.get('ema_decay')}`), in {uses}.")
    if "ema_decay" not in card:  # a card written before cards named the weights
        return "Weight averaging: not recorded by the export that wrote this card."
    return "As trained: no weight averaging (`model_kwargs.ema_decay` unset)."


def _differences(diff, reference):
    if diff is None:
        return f"- The config has no {reference} variant."
    if not diff:
        return f"- This run's config is the {reference} variant's."
    shown = lambda v: v if v == UNSET else f"`{json.dumps(v)}`"
    rows = "\n".join(f"  - `{k}`: {shown(a)} → {shown(b)}" for k, (a, b) in diff.items())
    return f"- This run's config differs from the {reference} variant in:\n{rows}"


def _recipe_section(card):
    entry = card.get("recipe")
    if not entry:
        return ("No zoo config (`zoo_configs/<model>.py`) describes this model's recipe; "
                "the full config is in `model_card.json`.")
    deviations = entry.get("deviations")
    if isinstance(deviations, (list, tuple)):
        deviations = "\n".join(f"- {d}" for d in deviations)
    parts = [f"From `{entry['source']}`:", "", entry["description"]]
    if deviations:
        parts += ["", "Deviations from the paper, as the config lists them:", "",
                  str(deviations)]
    parts += ["", _differences(entry.get("differs_from_paper_variant"),
                               "`paper` (`--variant=paper`)"),
              _differences(entry.get("differs_from_default_variant"), "default")]
    return "\n".join(parts)


def _evaluation_section(card):
    evaluation = card.get("evaluation")
    if not evaluation:
        rows = "\n".join(f"| {k} | {_value(v)} |" for k, v in sorted(card["metrics"].items()))
        command = EVALUATE_COMMAND.format(name=card["name"], version=card["version"])
        note = f"Not evaluated yet: `{command}` fills this table."
        return f"| metric | value |\n|---|---|\n{rows or '| (none) | |'}\n\n{note}"
    rows = "\n".join(f"| {k} | {_value(v)} |" for k, v in sorted(evaluation["metrics"].items()))
    settings = evaluation.get("settings") or {}
    classifier = evaluation.get("classifier") or {}
    return f"""| metric | value |
|---|---|
{rows}

Evaluated {evaluation.get('evaluated_at', '?')} against the Fashion-MNIST test split
({settings.get('num_samples', '?')} samples, seed {settings.get('seed', '?')}, classifier
version {classifier.get('version', '?')}) with `{evaluation.get('command') or '?'}`; the
metrics are defined in `otzoo/evaluation/evaluator.py`, the details are in
`eval/metrics.json`."""


def card_markdown(card):
    """`MODEL_CARD.md` from a card dict (old cards without the newer fields too)."""
    training = card["training"]
    wall_time = training.get("total_wall_time_s", training.get("wall_time_s", "?"))
    export_line = (f"\nExported separately with `{card['export_command']}`."
                   if card.get("export_command") else "")
    return f"""# {card['name']} (version {card['version']})

Model: `{card['model']}`, trained on `{card['data']['name']}` {tuple(card['data']['shape'])}.
Latent dimension: {card['latent_dim']}. Signatures: {', '.join(card['signatures'])}.

## Inputs and outputs

{_prior_section(card)}
{_images_section(card)}

{_weights_line(card)}

## Training

{training.get('steps', '?')} steps, {wall_time} s wall time in all (every resumed run added up).
Command: `{card.get('command') or 'not recorded'}`{export_line}
Git commit: `{card['git_commit']}`. Exported {card['exported_at']}.

## Recipe and deviations from the paper

{_recipe_section(card)}

## Evaluation

{_evaluation_section(card)}

The full config is in `model_card.json`.
"""


def _replace_file(path, text):
    """Writes `path` through a temporary file and a rename: never half-written."""
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.replace(path + ".tmp", path)


def write_model_card(directory, card, markdown=None):
    """Writes `model_card.json` and `MODEL_CARD.md` (from `markdown(card)`)."""
    _replace_file(os.path.join(directory, "model_card.json"),
                  json.dumps(card, indent=2, sort_keys=True))
    _replace_file(os.path.join(directory, "MODEL_CARD.md"), (markdown or card_markdown)(card))


def refresh_model_card(version_dir, command=None):
    """Puts `<version_dir>/eval/metrics.json` into the version's model card; returns it.

    `command` is the evaluation command (default: the one the card already names, else
    the canonical `bazel run //otzoo:evaluate -- --model=<name> --version=<version>`).
    Raises FileNotFoundError without a card or metrics, ValueError when the metrics are
    another version's.
    """
    card_path = os.path.join(version_dir, "model_card.json")
    metrics_path = os.path.join(version_dir, EVAL_METRICS)
    with open(card_path) as f:
        card = json.load(f)
    with open(metrics_path) as f:
        result = json.load(f)
    if result.get("version") is not None and int(result["version"]) != int(card["version"]):
        raise ValueError(f"{metrics_path} evaluates version {result['version']}, the card "
                         f"is version {card['version']}'s")
    previous = card.get("evaluation") or {}
    card["metrics"] = dict(result["metrics"])
    card["evaluation"] = {
        "metrics": dict(result["metrics"]),
        "settings": result.get("settings"),
        "classifier": result.get("classifier"),
        "evaluated_at": result.get("evaluated_at"),
        "command": command or previous.get("command") or EVALUATE_COMMAND.format(
            name=card["name"], version=card["version"]),
    }
    write_model_card(version_dir, card)
    return card
