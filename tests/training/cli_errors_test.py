"""Every command-line mistake: one line on stderr, exit status 2, nothing trained.

The one-line claim is also the claim that the check runs before TensorFlow loads:
TensorFlow prints its own start-up lines to stderr on import.
"""

import os
import sys

import pytest
from PIL import Image

import zoo_configs
from tests.data import cli_common


def one_line_error(proc):
    """The message of a run that must have failed as a user error, checked."""
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-3000:])
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("otzoo: error: "), lines[0]
    return lines[0]


@pytest.fixture
def run(tmp_path):
    """Runs the smoke swgan with extra flags, in a fresh workdir; asserts nothing ran."""
    workdir = tmp_path / "runs" / "swgan"

    def run_(*args, workdir=workdir):
        before = set(os.listdir(workdir)) if os.path.isdir(workdir) else set()
        proc = cli_common.run_cli("--model=swgan", "--variant=smoke", f"--workdir={workdir}",
                                  f"--export_dir={tmp_path / 'exported'}", *args)
        after = set(os.listdir(workdir)) if os.path.isdir(workdir) else set()
        assert after == before, sorted(after - before)  # nothing trained, nothing written
        assert not os.path.exists(tmp_path / "exported" / "swgan")
        return proc

    return run_


def test_unknown_model_lists_the_valid_ones():
    line = one_line_error(cli_common.run_cli("--model=nope"))
    assert "unknown model 'nope'" in line
    assert all(name in line for name in zoo_configs.available())


def test_unknown_variant_lists_the_valid_ones(run):
    line = one_line_error(run("--variant=huge"))
    assert line == "otzoo: error: unknown variant 'huge'; valid variants: default, smoke, paper"


def test_unknown_config_key_lists_the_keys_of_its_group(run):
    line = one_line_error(run("--config.no_such_key=1"))
    assert "unknown config key 'no_such_key'" in line and "batch_size" in line
    # What tools/setup.sh once told users to pass: the key that works is named.
    for key in ("data.data_dir", "data.options.data_dir"):
        line = one_line_error(run(f"--config.{key}=/tmp"))
        assert f"unknown config key '{key}'" in line and "data.path" in line


@pytest.mark.parametrize("flag,expected", [
    ("--config.batch_size=abc", "--config.batch_size=abc: invalid literal for int()"),
    ("--steps=many", "--steps=many: invalid literal for int()"),
    ("--config.data.shape=64,x,3", "image shape must be HEIGHT,WIDTH,CHANNELS"),
    ("--image_shape=64,64", "image shape must be HEIGHT,WIDTH,CHANNELS"),
    ("--strategy=fastest", "--strategy=fastest: value should be one of"),
    ("--no_such_flag", "Unknown command line flag 'no_such_flag'"),
    ("--data=cifar:/tmp", "unknown data source 'cifar:/tmp' in --data; valid:"),
])
def test_a_value_of_the_wrong_type_or_an_unknown_flag(run, flag, expected):
    assert expected in one_line_error(run(flag))


def test_missing_data_folder(run, tmp_path):
    for data in (f"image_folder:{tmp_path / 'nope'}", f"mnist:{tmp_path / 'nope'}"):
        line = one_line_error(run(f"--data={data}"))
        assert line.endswith(f"folder {tmp_path / 'nope'} does not exist"), line
    line = one_line_error(run("--data=tfds:mnist", f"--data_dir={tmp_path / 'nope'}"))
    assert f"TFDS data directory {tmp_path / 'nope'} does not exist" in line


def test_unreadable_data_folder(run, tmp_path):
    not_a_folder = tmp_path / "notes.txt"
    not_a_folder.write_text("not images")
    line = one_line_error(run(f"--data=image_folder:{not_a_folder}"))
    assert line.endswith(f"image folder {not_a_folder} is not a folder")
    if os.geteuid() == 0:
        pytest.skip("root reads any folder: the permission case needs another user")
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0)
    try:
        line = one_line_error(run(f"--data=image_folder:{locked}"))
    finally:
        locked.chmod(0o755)
    assert f"image folder {locked} is not readable" in line


def test_image_folder_without_images(run, tmp_path):
    empty = tmp_path / "empty"
    (empty / "cats").mkdir(parents=True)
    (empty / "cats" / "readme.txt").write_text("no images here")
    line = one_line_error(run(f"--data=image_folder:{empty}"))
    assert f"no images for split 'train' in {empty}" in line


def test_image_folder_with_mixed_sizes_and_no_shape(run, tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    Image.new("RGB", (64, 64)).save(folder / "a.png")
    Image.new("RGB", (48, 32)).save(folder / "b.jpg")
    line = one_line_error(run(f"--data=image_folder:{folder}"))
    assert "images differ in size" in line and "a.png is 64x64" in line
    assert "b.jpg is 32x48" in line and "--image_shape=H,W,C" in line


def test_unwritable_workdir_is_found_before_training(run, tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    line = one_line_error(run(workdir=blocker / "runs"))
    assert line.startswith(f"otzoo: error: cannot write to the workdir {blocker / 'runs'}")
    if os.geteuid() != 0:
        read_only = tmp_path / "read_only"
        read_only.mkdir(mode=0o555)
        line = one_line_error(run(workdir=read_only))
        assert "Permission denied" in line


def test_unwritable_export_dir_is_found_before_training(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    workdir = tmp_path / "runs"
    proc = cli_common.run_cli("--model=vae", "--variant=smoke", f"--workdir={workdir}",
                              f"--export_dir={blocker}")
    line = one_line_error(proc)
    assert line.startswith(f"otzoo: error: cannot write to the export dir {blocker}")
    assert not os.path.exists(workdir / "checkpoints")


def test_steps_that_miss_the_checkpoint_interval(run):
    line = one_line_error(run("--steps=3"))
    assert "steps (3) must be a multiple of steps_per_epoch (2)" in line


@pytest.mark.parametrize("flag,expected", [
    ("--steps_per_execution=3", "--steps_per_execution (3) must divide steps_per_epoch (2)"),
    ("--steps_per_execution=0", "--steps_per_execution=0: 0 is not a positive integer"),
    ("--steps_per_execution=2 --strategy=mirrored",
     "--steps_per_execution must be 1 with --strategy=mirrored"),
])
def test_steps_per_execution_that_miss_the_checkpoint_interval(run, flag, expected):
    assert expected in one_line_error(run(*flag.split()))


def test_a_shape_the_networks_cannot_make(run):
    # Found once TensorFlow has loaded (the network builders are Keras code): still one
    # line of ours, the last, after TensorFlow's start-up lines; nothing trained.
    proc = run("--image_shape=30,30,1")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr[-3000:]
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("otzoo: error: data shape (30, 30, 1) does not suit the "
                           "networks: network 'generator' (conv_decoder)"), last
    assert "divisible by 4" in last


def test_a_workdir_of_another_run_is_not_resumed(run, tmp_path):
    # A workdir that holds checkpoints of a run on other data would be "resumed" into
    # networks of another shape.
    workdir = tmp_path / "runs" / "swgan"
    (workdir / "checkpoints").mkdir(parents=True)
    (workdir / "config.json").write_text(
        '{"model": "swgan", "data": {"name": "fashion_mnist", "shape": [28, 28, 1]}}')
    folder = cli_common.write_image_folder(str(tmp_path / "img"), n=3, size=32)
    line = one_line_error(run(f"--data=image_folder:{folder}"))
    assert line == (f"otzoo: error: workdir {workdir} holds a swgan run on fashion_mnist "
                    f"(28x28x1), which this command would resume; give this swgan run on "
                    f"image_folder (32x32x3) its own --workdir")


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"] + sys.argv[1:]))
