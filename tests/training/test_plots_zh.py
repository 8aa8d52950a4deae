"""The plots of a Chinese lesson: Chinese words where a font draws them, English words otherwise, never boxes."""
import warnings

import pytest

from catdog_lib import plots

HISTORY = {"train_loss": [0.7, 0.5, 0.4], "train_acc": [0.5, 0.7, 0.8], "val_loss": [0.6, 0.5, 0.55],
           "val_acc": [0.6, 0.75, 0.7], "lr": [0.01, 0.01, 0.001]}


@pytest.fixture
def chinese(monkeypatch):
    import matplotlib

    monkeypatch.setenv("CATDOG_LANG", "zh")
    plots.cjk_font.cache_clear()
    with matplotlib.rc_context():  # use_cjk_font adds to font.family: undone after the test
        yield
    plots.cjk_font.cache_clear()


def drawn_without_missing_glyphs(figure, path):
    """Save ``figure`` as PNG; the warnings matplotlib gives for each character its fonts cannot draw (a box)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        figure.savefig(path, dpi=80)
    return [str(w.message) for w in caught if "missing from" in str(w.message)]


def test_without_a_cjk_font_a_chinese_learners_plot_keeps_english_labels(chinese, monkeypatch, tmp_path):
    from matplotlib import font_manager

    cjk = plots._CJK_NAME
    latin_only = [entry for entry in font_manager.fontManager.ttflist
                  if not cjk.search(entry.name) and entry.name not in plots.CJK_FONTS]
    monkeypatch.setattr(font_manager.fontManager, "ttflist", latin_only)
    monkeypatch.setattr(font_manager, "findSystemFonts", lambda *a, **k: [])
    assert plots.cjk_font() is None and plots.plot_language() == "en"
    figure = plots.plot_history(HISTORY)
    assert [ax.get_title() for ax in figure.axes] == [
        "loss", "accuracy (best val 75.0%, epoch 2)", "learning rate (of each training pass)"]
    assert drawn_without_missing_glyphs(figure, tmp_path / "curves.png") == []


def test_with_a_cjk_font_the_plot_is_in_chinese_and_every_character_is_drawn(chinese, tmp_path, caplog):
    if plots.cjk_font() is None:
        pytest.skip("no font here draws Chinese (tests/e2e/install_browser.sh installs fonts-wqy-microhei)")
    assert plots.plot_language() == "zh"
    figure = plots.plot_history(HISTORY)
    titles = [ax.get_title() for ax in figure.axes]
    assert titles[0] == "损失" and "75.0%" in titles[1] and "学习率" in titles[2], titles
    assert figure.axes[0].get_xlabel() == "轮次"
    assert [t.get_text() for t in figure.axes[0].get_legend().get_texts()] == ["训练集", "验证集"]
    assert drawn_without_missing_glyphs(figure, tmp_path / "curves.png") == []
    figure.suptitle("训练曲线", fontweight="bold")  # CJK fonts mostly have no bold: no English log line for it
    figure.savefig(tmp_path / "bold.png", dpi=40)
    assert not [r for r in caplog.records if r.name.startswith("matplotlib")], caplog.text


def test_an_english_learner_gets_english_plots_whatever_the_fonts(monkeypatch):
    monkeypatch.setenv("CATDOG_LANG", "en")
    assert plots.plot_language() == "en"
    assert plots.plot_history(HISTORY).axes[0].get_xlabel() == "epoch"
