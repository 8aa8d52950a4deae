/**
 * Run a magic in a notebook's kernel and show what it displays under a cell,
 * as if the cell had printed it: `%hint NAME` under its piece, or `%check NAME`
 * when the lesson has no `%check` cell after the piece.
 */
import { ISessionContext } from '@jupyterlab/apputils';
import * as nbformat from '@jupyterlab/nbformat';
import { KernelMessage } from '@jupyterlab/services';

const SHOWN = ['display_data', 'execute_result', 'stream', 'error'];

/** What of a cell's output model this needs (an `IOutputAreaModel` has it). */
export interface IOutputs {
  readonly length: number;
  add(output: nbformat.IOutput): number;
  set(index: number, output: nbformat.IOutput): void;
}

/** Turn one iopub message into an output of `outputs` (a display updated in place keeps its place). */
export function addOutput(
  outputs: IOutputs,
  msg: KernelMessage.IIOPubMessage,
  displays: Map<string, number>
): void {
  const type = msg.header.msg_type;
  const content = msg.content as any;
  const id: string | undefined = content.transient?.display_id;
  if (SHOWN.includes(type)) {
    const output: nbformat.IOutput = { ...content, output_type: type };
    delete (output as any).transient;
    if (id) {
      displays.set(id, outputs.length);
    }
    outputs.add(output);
  } else if (type === 'update_display_data' && id && displays.has(id)) {
    outputs.set(displays.get(id)!, {
      output_type: 'display_data',
      data: content.data,
      metadata: content.metadata ?? {}
    });
  }
}

/** Run `code` in the session's kernel (not in the history) and add what it shows to `outputs`. */
export async function runInto(
  code: string,
  session: ISessionContext,
  outputs: IOutputs
): Promise<void> {
  const kernel = session.session?.kernel;
  if (!kernel) {
    return;
  }
  const displays = new Map<string, number>();
  const future = kernel.requestExecute({
    code,
    silent: false,
    store_history: false,
    stop_on_error: false
  });
  future.onIOPub = msg => addOutput(outputs, msg, displays);
  await future.done;
}
