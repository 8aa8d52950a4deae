import { addOutput, IOutputs } from '../kernel';

/** A cell's outputs as the output area model keeps them (a stream after a stream joins it). */
class Outputs implements IOutputs {
  items: any[] = [];
  get length(): number {
    return this.items.length;
  }
  add(output: any): number {
    this.items.push(output);
    return this.items.length;
  }
  set(index: number, output: any): void {
    this.items[index] = output;
  }
  get(index: number): any {
    return this.items[index];
  }
}

function message(type: string, content: any): any {
  return { header: { msg_type: type }, content };
}

describe('addOutput', () => {
  it("shows what %check displays, its 'judging' line replaced by the verdict in place", () => {
    const outputs = new Outputs();
    const displays = new Map<string, number>();
    addOutput(outputs, message('display_data', {
      data: { 'text/plain': 'judging split_items ...' }, metadata: {}, transient: { display_id: 'd1' }
    }), displays);
    addOutput(outputs, message('stream', { name: 'stdout', text: 'hello\n' }), displays);
    addOutput(outputs, message('update_display_data', {
      data: { 'text/plain': 'split_items: 5 of 5 checks pass' }, metadata: {}, transient: { display_id: 'd1' }
    }), displays);
    addOutput(outputs, message('status', { execution_state: 'idle' }), displays);
    expect(outputs.length).toBe(2);
    expect(outputs.get(0).data['text/plain']).toBe('split_items: 5 of 5 checks pass');
    expect(outputs.get(1)).toMatchObject({ output_type: 'stream', text: 'hello\n' });
  });

  it('ignores an update for a display it did not show', () => {
    const outputs = new Outputs();
    addOutput(outputs, message('update_display_data', {
      data: { 'text/plain': 'x' }, metadata: {}, transient: { display_id: 'other' }
    }), new Map());
    expect(outputs.length).toBe(0);
  });
});
