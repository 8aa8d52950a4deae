"""The settings cell: lesson defaults, CPU defaults, CATDOG_* variables, clear errors."""
import pytest

from catdog_lib.errors import CatdogError
from catdog_lib.course.colab import KIT_REPO, colab_badge, colab_url
from catdog_lib.notebook.settings import load_settings


def test_env_beats_cpu_defaults_beat_lesson_defaults(tmp_path):
    env = {"CATDOG_EPOCHS": "1", "CATDOG_WEIGHTS": "none", "CATDOG_DATA": str(tmp_path), "CATDOG_DEVICE": "cpu"}
    s = load_settings(size=224, epochs=5, batch_size=16, cpu=dict(size=112, epochs=2), env=env)
    assert (s.size, s.epochs, s.batch_size, s.weights, s.data, s.device) == (112, 1, 16, None, tmp_path, "cpu")
    assert s.origin == {"epochs": "CATDOG_EPOCHS", "weights": "CATDOG_WEIGHTS", "data": "CATDOG_DATA",
                        "device": "CATDOG_DEVICE", "size": "CPU default", "lr": "from-scratch recipe"}
    table = str(s)
    assert "CATDOG_EPOCHS" in table and "CPU default" in table and "<table>" in s._repr_html_()


def test_random_weights_take_the_from_scratch_recipes_learning_rate():
    """A lesson's lr is for fine-tuning; with CATDOG_WEIGHTS=none the from-scratch recipe's (scaled to the
    batch) replaces it, and CATDOG_LR still wins."""
    from catdog_lib.train.recipe import FROM_SCRATCH, RECIPE

    env = {"CATDOG_DEVICE": "cpu"}
    assert load_settings(batch_size=64, lr=0.004, env=env).lr == 0.004
    scratch = load_settings(batch_size=64, lr=0.004, env={**env, "CATDOG_WEIGHTS": "none"})
    assert scratch.lr == FROM_SCRATCH.lr == 0.002 and "from-scratch recipe" in str(scratch)
    assert load_settings(batch_size=16, env={**env, "CATDOG_WEIGHTS": "none"}).lr == pytest.approx(0.001)  # sqrt rule
    assert load_settings(env={**env, "CATDOG_WEIGHTS": "none", "CATDOG_LR": "0.05"}).lr == 0.05
    assert load_settings(env=env).lr == RECIPE.lr


def test_no_cpu_defaults_on_a_gpu():
    s = load_settings(size=224, cpu=dict(size=112), env={"CATDOG_DEVICE": "cuda"})
    assert s.size == 224 and not s.on_cpu


def test_a_gpu_trains_from_the_learners_loaders_with_a_worker_per_core():
    import os

    gpu = load_settings(env={"CATDOG_DEVICE": "cuda"})
    assert not gpu.use_fast and gpu.workers == len(os.sched_getaffinity(0)) and gpu.origin["workers"] == "GPU default"
    assert load_settings(env={"CATDOG_DEVICE": "cuda", "CATDOG_WORKERS": "3"}).workers == 3
    assert load_settings(env={"CATDOG_DEVICE": "cuda", "CATDOG_FAST": "1"}).use_fast  # a step taken on purpose
    cpu = load_settings(env={"CATDOG_DEVICE": "cpu"})
    assert not cpu.use_fast and cpu.workers == 2


@pytest.mark.parametrize("env,words", [
    ({"CATDOG_EPOCHS": "two"}, "CATDOG_EPOCHS='two' is not a whole number"),
    ({"CATDOG_SIZE": "0"}, "must be 1 or more"),
    ({"CATDOG_LR": "fast"}, "is not a number"),
    ({"CATDOG_DATA": "/no/such/folder"}, "is not a folder"),
])
def test_bad_values_say_what_to_do(env, words):
    with pytest.raises(CatdogError, match=words):
        load_settings(env=env)


def test_unknown_setting_is_an_error():
    with pytest.raises(CatdogError, match="no setting called 'epoch'"):
        load_settings(epoch=3, env={})


def test_subset_all_and_badges():
    assert load_settings(env={"CATDOG_SUBSET": "all"}).subset == 0
    assert colab_url("01_x.ipynb") == f"https://colab.research.google.com/github/{KIT_REPO}/blob/main/lessons/01_x.ipynb"
    assert colab_badge("01_x.ipynb").startswith("[![Open in Colab]")
