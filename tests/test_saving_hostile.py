"""Saving and loading under bad paths and hostile files: clear errors, nothing huge allocated,
symlinks and permissions kept (NumPy only)."""

import io
import json
import os
import stat
import zipfile
from pathlib import Path

import numpy as np
import pytest

import tinynet
from tinynet import layers as L

X = np.random.default_rng(0).random((8, 4)).astype("f4")
Y = np.array([0, 1, 2, 0, 1, 2, 0, 1])


def trained(tmp_path):
    model = tinynet.Sequential([L.Dense(5, input_dim=4, activation="relu"),
                                L.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(X, Y, verbose=0)
    path = tmp_path / "m.npz"
    model.save(path)
    return model, path


def entries(path):
    with np.load(path) as f:
        return dict(f)


def config_of(path):
    return json.loads(str(entries(path)["config"]))


def rewrite(path, arrays, **changes):
    arrays = {**arrays, **changes}
    np.savez(path, **arrays)
    return path


# -- paths --------------------------------------------------------------------------------
def test_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file"):
        tinynet.load_model(tmp_path / "nope.npz")


def test_a_folder_is_not_a_model(tmp_path):
    with pytest.raises(IsADirectoryError, match="is a folder"):
        tinynet.load_model(tmp_path)


@pytest.mark.parametrize("where", ["missing_folder", "file_as_folder", "folder_as_file"])
def test_save_to_a_bad_place_names_the_fix_not_the_temp_file(tmp_path, where):
    model, _ = trained(tmp_path)
    (tmp_path / "plain").write_text("x")
    target = {"missing_folder": tmp_path / "no" / "m.npz",
              "file_as_folder": tmp_path / "plain" / "m.npz",
              "folder_as_file": tmp_path}[where]
    with pytest.raises(OSError) as info:
        model.save(target)
    message = str(info.value)
    assert ".tinynet-" not in message and str(target) in message
    assert {"missing_folder": "does not exist", "file_as_folder": "is a file",
            "folder_as_file": "is a folder"}[where] in message
    assert not [p for p in tmp_path.rglob(".tinynet-*")]


def test_save_into_an_unwritable_folder_says_so(tmp_path):
    model, _ = trained(tmp_path)
    if os.geteuid() == 0:  # root writes anywhere a mode forbids, but not into sysfs
        model_path = Path("/sys") / "m.npz"
        assert Path("/sys").is_dir(), "this test needs Linux's /sys when run as root"
        with pytest.raises(PermissionError, match="cannot write in"):
            model.save(model_path)
        return
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    try:
        with pytest.raises(PermissionError, match="cannot write in"):
            model.save(locked / "m.npz")
    finally:
        locked.chmod(0o700)


def test_save_through_a_symlink_keeps_the_link_and_the_mode(tmp_path):
    model, real = trained(tmp_path)
    real.chmod(0o644)
    link = tmp_path / "link.npz"
    link.symlink_to(real)
    model.save(link)
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert stat.S_IMODE(real.stat().st_mode) == 0o644
    tinynet.load_model(link)


def test_a_new_file_gets_the_umask_mode_not_0600(tmp_path):
    model, _ = trained(tmp_path)
    umask = os.umask(0o022)
    try:
        model.save(tmp_path / "fresh.npz")
    finally:
        os.umask(umask)
    assert stat.S_IMODE((tmp_path / "fresh.npz").stat().st_mode) == 0o644


# -- hostile contents: sizes checked before anything is allocated -----------------------------
def test_config_asking_for_a_huge_layer_is_refused_before_allocating(tmp_path):
    _, path = trained(tmp_path)
    config = config_of(path)
    config["layers"][0]["config"]["units"] = 10**12
    rewrite(path, entries(path), config=np.array(json.dumps(config)))
    with pytest.raises(ValueError, match="more than the .* weights the file still holds"):
        tinynet.load_model(path)


def test_npy_header_claiming_more_items_than_its_bytes_is_refused(tmp_path):
    _, path = trained(tmp_path)
    arrays = entries(path)
    lie = io.BytesIO()  # a valid header for 10¹² floats, followed by the 20 real ones
    np.lib.format.write_array_header_1_0(
        lie, {"descr": "<f4", "fortran_order": False, "shape": (10**12,)})
    lie.write(arrays["weight_000"].tobytes())
    with zipfile.ZipFile(path, "w") as z:
        for key, value in arrays.items():
            b = io.BytesIO()
            np.lib.format.write_array(b, value)
            z.writestr(f"{key}.npy", lie.getvalue() if key == "weight_000" else b.getvalue())
    with pytest.raises(ValueError, match=r"declares shape \(1000000000000,\).*does not fit"):
        tinynet.load_model(path)


def test_unused_entries_are_never_read(tmp_path, monkeypatch):
    model, path = trained(tmp_path)
    with zipfile.ZipFile(path, "a") as z:
        z.writestr("junk.npy", b"\x93NUMPY garbage that no parser would accept" * 1000)
    read = []
    original = np.lib.format.read_array
    monkeypatch.setattr(np.lib.format, "read_array",
                        lambda f, **kw: read.append(f.name) or original(f, **kw))
    loaded = tinynet.load_model(path)
    assert "junk.npy" not in read and read
    np.testing.assert_array_equal(loaded.predict(X, verbose=0), model.predict(X, verbose=0))


def test_pickled_weight_is_refused(tmp_path):
    _, path = trained(tmp_path)
    rewrite(path, entries(path), weight_000=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ValueError, match="pickles"):
        tinynet.load_model(path)


@pytest.mark.parametrize("edit", ["no_layer_config", "layers_string", "no_loss", "no_layers",
                                  "compile_not_dict", "layer_not_dict"])
def test_broken_configs_give_clear_errors(tmp_path, edit):
    _, path = trained(tmp_path)
    config = config_of(path)
    if edit == "no_layer_config":
        del config["layers"][0]["config"]
    elif edit == "layers_string":
        config["layers"] = "dense"
    elif edit == "no_loss":
        del config["compile"]["loss"]
    elif edit == "no_layers":
        del config["layers"]
    elif edit == "compile_not_dict":
        config["compile"] = ["adam"]
    else:
        config["layers"][1] = "dense"
    rewrite(path, entries(path), config=np.array(json.dumps(config)))
    with pytest.raises(ValueError, match="bad tinynet config"):
        tinynet.load_model(path)


@pytest.mark.parametrize(("key", "value", "match"), [
    ("weight_000", lambda a: a * np.nan, "NaN or inf"),
    ("weight_000", lambda a: a.astype("int32"), "dtype int32"),
    ("optimizer/iterations", lambda a: np.array(-3), "integer >= 0"),
    ("optimizer/iterations", lambda a: np.array(2.0), "holds dtype float64, where"),
    ("optimizer/dense/kernel/velocity", lambda a: -np.abs(a) - 1, "negative"),
    ("optimizer/dense/kernel/momentum", lambda a: a.astype("float16"), "float16"),
    ("optimizer/dense/kernel/momentum", lambda a: a[:2], r"\(2, 5\), but the parameter"),
])
def test_damaged_weights_and_optimizer_slots_are_refused(tmp_path, key, value, match):
    _, path = trained(tmp_path)
    arrays = entries(path)
    key = key.replace("dense/", next(k for k in arrays if k.endswith("/kernel/momentum"))
                      .split("/")[1] + "/")
    rewrite(path, arrays, **{key: value(arrays[key])})
    with pytest.raises(ValueError, match=match):
        tinynet.load_model(path)


def test_a_file_written_by_the_current_format_still_loads(tmp_path):
    """The layout this fix keeps: config + weight_000.. + optimizer/<key>/<slot>."""
    model, path = trained(tmp_path)
    keys = sorted(entries(path))
    assert keys[0] == "config" and "weight_000" in keys and "optimizer/iterations" in keys
    loaded = tinynet.load_model(path)
    assert loaded.optimizer.iterations == model.optimizer.iterations
