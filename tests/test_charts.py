"""The share chart's labels: a question not asked before is not "under 5 answers", and no
label lies on an axis or outside the plot."""

from __future__ import annotations

from analysis.charts import Bar, share_figure

LOCAL = "Praktikken har hjulpet mig tættere på et job eller en uddannelse, som jeg gerne vil have"


def texts(figure) -> dict[str, tuple[float, float]]:
    ax = figure.axes[0]
    return {t.get_text(): t.get_position() for t in ax.texts}


def test_a_question_not_asked_before_is_labelled_not_asked():
    bars = [
        Bar(LOCAL, 0.62, (0.55, 0.69), 145),  # new: no earlier n at all
        Bar("Jeg bliver behandlet med respekt.", None, None, 3, 0.5, (0.4, 0.6), 80),
    ]
    figure = share_figure(
        bars,
        current_label="Forår 2026",
        previous_label="Forår 2025",
        suppressed_label="under 5 svar",
        not_asked_label="ikke spurgt",
    )
    labels = texts(figure)
    assert "(ikke spurgt)" in labels
    assert list(labels).count("(under 5 svar)") == 1  # only the round with 3 answers


def test_labels_stay_inside_the_plot_clear_of_the_axes():
    bars = [Bar(LOCAL, 0.97, (0.93, 0.99), 1234), Bar("Kort", None, None, 2, None, None, 4)]
    figure = share_figure(
        bars, current_label="Forår 2026", previous_label="Forår 2025", suppressed_label="under 5"
    )
    ax = figure.axes[0]
    bottom, top = ax.get_ylim()
    left, right = ax.get_xlim()
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(figure).get_renderer()
    plot = ax.get_window_extent(renderer)
    for text in ax.texts:
        x, y = text.get_position()
        assert left < x < right and bottom < y < top, text.get_text()
        box = text.get_window_extent(renderer)
        # Not on the y axis (the label began on the line) nor on the x axis, nor cut off.
        assert box.x0 > plot.x0 + 1 and box.y0 > plot.y0 + 1, text.get_text()
        assert box.x1 < plot.x1, text.get_text()
