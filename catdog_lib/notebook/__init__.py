"""What the lessons call besides the pieces: their settings, their photos, the upload box.

- ``settings``: ``load_settings``, a lesson's knobs from its defaults and ``CATDOG_*`` variables.
- ``photos``: ``get_photos`` (all the photos, prepared once) and ``lesson_data`` (a seeded subset).
- ``widgets``: ``upload_box``, classifying the photos a learner uploads, in JupyterLab and Colab.

This layer may use IPython and ipywidgets; the library below it does not.
"""
