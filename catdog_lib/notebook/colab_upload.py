"""The upload box in Colab: a file input that never stops the notebook, for photos of any size.

``google.colab.files.upload()`` waits until the learner picks files, so Run
All would stop at it; ipywidgets' ``FileUpload`` does not wait, but Colab
drops its files over about 1 MB (ipywidgets#3452), and phone photos are
bigger. This box is a plain file input with a script, as colabtools' own
upload is: the script reads each chosen photo (``FileReader``, in chunks, as
colabtools' ``files.js`` does) and hands the chunks to the kernel through
``google.colab.kernel.invokeFunction``, Colab's route from an output's
JavaScript to a Python function registered with
``google.colab.output.register_callback``. The cell ends at once; each photo
is classified when the learner picks it (after the cell running then), and
its card appears under the box.
"""
import base64
import html
import itertools
import json

from ..i18n import tr

CALLBACK = "catdog.upload_chunk"
CHUNK_BYTES = 256 * 1024  # well under the ~1 MB a Colab message may carry
_boxes = {}               # box id -> Receiver, for this kernel's boxes
_ids = itertools.count(1)


class Receiver:
    """Joins the chunks of each photo of one box; hands each whole photo to ``classify``."""

    def __init__(self, classify, refuse):
        self.classify, self.refuse = classify, refuse  # [(name, bytes)] -> html; (name, size) -> html
        self.parts = {}

    def chunk(self, name, index, count, data, size):
        if count == 0:  # the script sends none of a file over the limit
            return self.refuse(name, size)
        parts = self.parts.setdefault((name, count), [None] * count)
        parts[index] = base64.b64decode(data)
        if any(p is None for p in parts):
            return ""
        del self.parts[(name, count)]
        return self.classify([(name, b"".join(parts))])


def receive(box, name, index, count, data, size=0):
    """The registered callback: one chunk of one photo; the cards' HTML once the photo is whole."""
    from IPython.display import JSON

    receiver = _boxes.get(box)
    if receiver is None:
        return JSON({"html": html.escape(tr("This upload box is from before the kernel restarted: run its cell again."))})
    return JSON({"html": receiver.chunk(name, int(index), int(count), data, int(size))})


def colab_upload_box(classify, refuse, label, max_bytes):
    """Show the box (an ``HTML`` object, for the end of a cell); ``classify`` and ``refuse`` make the cards' HTML."""
    from google.colab import output
    from IPython.display import HTML

    box = f"catdog-upload-{next(_ids)}"
    _boxes[box] = Receiver(classify, refuse)
    output.register_callback(CALLBACK, receive)
    settings = json.dumps({"box": box, "callback": CALLBACK, "chunk": CHUNK_BYTES, "max": max_bytes,
                           "sending": tr("Sending {name} to the model...", name="__NAME__")})
    return HTML(f"""<div id="{box}" style="font-family:sans-serif;font-size:13px">
<div style="margin:4px 0">{html.escape(label)}</div>
<input type="file" accept="image/*" multiple>
<div class="catdog-status" style="color:#666;margin:4px 0"></div>
<div class="catdog-cards" style="display:flex;flex-wrap:wrap"></div>
<script>{BOX_SCRIPT.replace("SETTINGS", settings)}</script>
</div>""")


# Runs in Colab's output frame. Reads each photo in chunks, sends them one call at a time
# (so a 20 MB photo never makes one huge message), and shows the cards the last call returns.
BOX_SCRIPT = """(() => {
  const s = SETTINGS;
  const root = document.getElementById(s.box);
  const input = root.querySelector("input"), status = root.querySelector(".catdog-status");
  const cards = root.querySelector(".catdog-cards");
  const base64 = (bytes) => {
    let text = "";
    for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    return btoa(text);
  };
  input.addEventListener("change", async () => {
    for (const file of Array.from(input.files)) {
      status.textContent = s.sending.replace("__NAME__", file.name);
      const bytes = file.size > s.max ? new Uint8Array(0) : new Uint8Array(await file.arrayBuffer());
      const count = file.size > s.max ? 0 : Math.max(1, Math.ceil(bytes.length / s.chunk));
      let reply = null;
      for (let i = 0; i < Math.max(count, 1); i++) {
        const part = base64(bytes.subarray(i * s.chunk, (i + 1) * s.chunk));
        reply = await google.colab.kernel.invokeFunction(s.callback, [s.box, file.name, i, count, part, file.size], {});
      }
      cards.insertAdjacentHTML("beforeend", reply.data["application/json"].html);
    }
    status.textContent = "";
    input.value = "";
  });
})();"""
