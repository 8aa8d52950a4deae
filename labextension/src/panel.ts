/**
 * The Course panel: every lesson's pieces, each with its last verdict (not
 * started, saved, passing, failing with its one-line reason), points and
 * hints seen. Clicking a piece (or Enter on it) opens its lesson at its cell.
 * All its words come from the server, in the kit's catalogue.
 */
import { ISignal, Signal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';

import { fill } from './pieces';
import { ICourseState, IPiece } from './state';

const MARKS: { [state: string]: string } = {
  passed: '\u2714',
  failed: '\u2718',
  saved: '\u25CB',
  not_started: '\u25CB'
};

function element(
  tag: string,
  className: string,
  text?: string
): HTMLElement {
  const node = document.createElement(tag);
  node.className = className;
  if (text !== undefined) {
    node.textContent = text;
  }
  return node;
}

/** The words under a piece's name: its state, and the checks' count for a verdict. */
export function statusWords(piece: IPiece, words: ICourseState['words']): string {
  let status = words[piece.state] ?? piece.state;
  if (piece.state === 'passed' || piece.state === 'failed') {
    status += ' \u00B7 ' + fill(words.checks, { passed: piece.passed, total: piece.total });
  }
  return status;
}

/** The panel's content for `state`; `open(name, lesson)` is called when a piece is chosen. */
export function renderCourse(
  state: ICourseState,
  open: (piece: string, lesson: string) => void
): HTMLElement {
  const words = state.words;
  const root = element('div', 'jp-CatdogPanel-content');
  root.lang = state.lang === 'zh' ? 'zh-CN' : 'en';
  root.appendChild(element('h2', 'jp-CatdogPanel-title', words.title));
  for (const lesson of state.lessons) {
    const section = element('section', 'jp-CatdogPanel-lesson');
    section.dataset.lesson = lesson.lesson;
    const heading = element('div', 'jp-CatdogPanel-lessonHeading');
    heading.appendChild(element('span', 'jp-CatdogPanel-lessonName', `${lesson.heading} \u00B7 ${lesson.title}`));
    heading.appendChild(
      element('span', 'jp-CatdogPanel-points', fill(words.points, { earned: lesson.earned, points: lesson.points }))
    );
    section.appendChild(heading);
    const list = element('ul', 'jp-CatdogPanel-pieces');
    for (const piece of lesson.pieces) {
      const item = element('li', 'jp-CatdogPanel-piece');
      item.dataset.piece = piece.name;
      item.dataset.state = piece.state;
      item.tabIndex = 0;
      item.setAttribute('role', 'button');
      item.title = words.open_caption;
      const line = element('div', 'jp-CatdogPanel-pieceLine');
      line.appendChild(element('span', 'jp-CatdogPanel-mark', MARKS[piece.state] ?? ''));
      line.appendChild(element('code', 'jp-CatdogPanel-name', piece.name));
      line.appendChild(
        element('span', 'jp-CatdogPanel-points', fill(words.points, { earned: piece.earned, points: piece.points }))
      );
      item.appendChild(line);
      item.appendChild(element('div', 'jp-CatdogPanel-pieceTitle', piece.title));
      item.appendChild(element('div', 'jp-CatdogPanel-status', statusWords(piece, words)));
      if (piece.message) {
        item.appendChild(element('div', 'jp-CatdogPanel-reason', piece.message));
      }
      if (piece.changed) {
        item.appendChild(element('div', 'jp-CatdogPanel-changed', words.changed));
      }
      if (piece.hints_seen > 0) {
        item.appendChild(
          element('div', 'jp-CatdogPanel-hints', fill(words.hints, { seen: piece.hints_seen, count: piece.hints_count }))
        );
      }
      item.addEventListener('click', () => open(piece.name, lesson.lesson));
      item.addEventListener('keydown', (event: KeyboardEvent) => {
        if (event.key === 'Enter' || event.key === ' ') {
          event.preventDefault();
          open(piece.name, lesson.lesson);
        }
      });
      list.appendChild(item);
    }
    section.appendChild(list);
    root.appendChild(section);
  }
  root.appendChild(
    element('div', 'jp-CatdogPanel-total', fill(words.total, { earned: state.earned, points: state.points }))
  );
  root.appendChild(
    element('div', 'jp-CatdogPanel-workspace', fill(words.workspace, { workspace: state.workspace }))
  );
  return root;
}

/** The side panel: asks `load` for the state in a language and shows it; `refresh()` after every check. */
export class CoursePanel extends Widget {
  constructor(
    private load: (lang: string) => Promise<ICourseState>,
    private open: (piece: string, lesson: string) => void
  ) {
    super();
    this.id = 'catdog-course-panel';
    this.addClass('jp-CatdogPanel');
    this.node.tabIndex = -1;
  }

  /** The language the panel speaks: the current lesson's or JupyterLab's. */
  get lang(): string {
    return this._lang;
  }

  set lang(value: string) {
    if (value !== this._lang) {
      this._lang = value;
      void this.refresh();
    }
  }

  /** Emitted after each state is shown (the buttons' labels follow the panel's language). */
  get shown(): ISignal<this, ICourseState> {
    return this._shown;
  }

  /** The last state shown (null before the first answer). */
  get state(): ICourseState | null {
    return this._state;
  }

  /** Ask the server again and redraw; a refresh asked while one runs runs once more after it. */
  async refresh(): Promise<void> {
    if (this._pending) {
      this._again = true;
      return this._pending;
    }
    this._pending = (async () => {
      do {
        this._again = false;
        try {
          this.show_(await this.load(this._lang));
        } catch (error) {
          this.node.dataset.error = String(error);
        }
      } while (this._again);
    })();
    try {
      await this._pending;
    } finally {
      this._pending = null;
    }
  }

  private show_(state: ICourseState): void {
    this._state = state;
    this.title.label = state.words.title;
    this.title.caption = state.words.caption;
    const focused = (document.activeElement as HTMLElement | null)?.dataset?.piece;
    this.node.replaceChildren(renderCourse(state, this.open));
    this.node.dataset.lang = state.lang;
    delete this.node.dataset.error;
    this._shown.emit(state);
    if (focused) {
      (this.node.querySelector(`[data-piece="${focused}"]`) as HTMLElement | null)?.focus();
    }
  }

  private _lang = 'en';
  private _state: ICourseState | null = null;
  private _pending: Promise<void> | null = null;
  private _again = false;
  private _shown = new Signal<this, ICourseState>(this);
}
