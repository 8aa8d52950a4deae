"""A stand-in for Colab's ``google.colab`` package, for tests on a machine that is not Colab.

Only what the kit calls: ``files.upload()``, ``drive.mount()``, ``userdata.get()`` and
``output.register_callback()``, each as colabtools does it. Putting
this folder on ``PYTHONPATH`` makes ``importlib.util.find_spec("google.colab")``
succeed, so the lessons take their Colab path. (No ``google/__init__.py``:
``google`` stays a namespace package, as protobuf's is.)
"""
