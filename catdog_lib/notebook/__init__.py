"""What the lessons call besides the pieces: their setup, settings, photos, training displays, the upload box.

- ``runtime``: ``start_lesson``, the setup cell's work (in Colab: the kit, Google Drive, the Kaggle token).
- ``settings``: ``load_settings``, a lesson's knobs from its defaults and ``CATDOG_*`` variables.
- ``photos``: ``get_photos`` (all the photos, prepared once), ``lesson_data`` (a seeded subset) and
  ``arrange_photos`` (lesson 05: labelled, split and arranged by the learner's data pieces).
- ``training``: live curves, and the experiment of lesson 05 (fine-tuned, frozen, random weights).
- ``widgets``: ``upload_box``, classifying the photos a learner uploads, in JupyterLab and Colab.

This layer may use IPython and ipywidgets; the library below it does not.
"""
