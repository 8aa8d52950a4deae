/**
 * catdog-course: the course beside the notebook.
 *
 * - A "Course" side panel (panel.ts) with every lesson's pieces and their last
 *   verdicts, from the kit's server extension (`GET /catdog/course`).
 * - Check and Hint buttons on each `%%piece` cell's toolbar, also in the
 *   command palette ("Check this piece", "Next hint") and on the keyboard.
 *   Check runs the piece cell (`%%piece` saves it) and then its `%check` cell,
 *   in the notebook's kernel: the verdict is exactly what `%check` shows, from
 *   the same warm judge, shared by the whole server (catdog_lib/course/served.py).
 */
import {
  ILabShell,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import {
  ICommandPalette,
  IToolbarWidgetRegistry
} from '@jupyterlab/apputils';
import { CodeCell, Cell } from '@jupyterlab/cells';
import { URLExt } from '@jupyterlab/coreutils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import {
  INotebookTracker,
  NotebookActions,
  NotebookPanel
} from '@jupyterlab/notebook';
import { ServerConnection } from '@jupyterlab/services';
import { ITranslator } from '@jupyterlab/translation';
import { checkIcon, CommandToolbarButton } from '@jupyterlab/ui-components';

import { runInto } from './kernel';
import { CoursePanel } from './panel';
import {
  checkCellIndex,
  panelLanguage,
  pieceCellIndex,
  pieceName
} from './pieces';
import { ICourseState } from './state';

const PLUGIN_ID = 'catdog-course:plugin';
export const CommandIDs = {
  check: 'catdog-course:check',
  hint: 'catdog-course:hint',
  panel: 'catdog-course:open-panel'
};

/** The panel's state from the server, in `lang`. */
async function fetchCourse(lang: string, notebook: string): Promise<ICourseState> {
  const settings = ServerConnection.makeSettings();
  const query = `?lang=${encodeURIComponent(lang)}&path=${encodeURIComponent(notebook)}`;
  const url = URLExt.join(settings.baseUrl, 'catdog', 'course') + query;
  const response = await ServerConnection.makeRequest(url, {}, settings);
  if (!response.ok) {
    throw new ServerConnection.ResponseError(response);
  }
  return (await response.json()) as ICourseState;
}

function cellsOf(panel: NotebookPanel): { type: string; source: string }[] {
  return panel.content.widgets.map(cell => ({
    type: cell.model.type,
    source: cell.model.sharedModel.getSource()
  }));
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: 'The catdog course: a Course panel, and Check and Hint buttons on every piece cell.',
  autoStart: true,
  requires: [INotebookTracker, IDocumentManager],
  optional: [ICommandPalette, ITranslator, IToolbarWidgetRegistry, ILabShell],
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    docManager: IDocumentManager,
    palette: ICommandPalette | null,
    translator: ITranslator | null,
    toolbarRegistry: IToolbarWidgetRegistry | null
  ) => {
    const labLanguage = translator?.languageCode ?? 'en';
    const word = (key: string, fallback: string): string => panel.state?.words[key] ?? fallback;

    /** The piece cell a command acts on: the active cell, when it is one. */
    const activePiece = (): { panel: NotebookPanel; cell: CodeCell; name: string } | null => {
      const notebook = tracker.currentWidget;
      const cell = notebook?.content.activeCell;
      if (!notebook || !cell || cell.model.type !== 'code') {
        return null;
      }
      const name = pieceName(cell.model.sharedModel.getSource());
      return name ? { panel: notebook, cell: cell as CodeCell, name } : null;
    };

    /** Check: run the piece cell (it saves the piece), then its %check cell; the verdict shows there. */
    const check = async (notebook: NotebookPanel, cell: CodeCell, name: string): Promise<void> => {
      const session = notebook.sessionContext;
      cell.node.dataset.catdogChecking = 'true';
      try {
        await CodeCell.execute(cell, session);
        const index = notebook.content.widgets.indexOf(cell);
        const next = checkCellIndex(cellsOf(notebook), index, name);
        if (next >= 0) {
          await CodeCell.execute(notebook.content.widgets[next] as CodeCell, session);
        } else {
          await runInto(`%check ${name}`, session, cell.model.outputs);
        }
        if (notebook.context.model.dirty && !notebook.context.model.readOnly) {
          void notebook.context.save();
        }
      } finally {
        delete cell.node.dataset.catdogChecking;
        void panel.refresh();
      }
    };

    /** Hint: `%hint NAME` in the kernel; the hint shows under the piece cell. */
    const hint = async (notebook: NotebookPanel, cell: CodeCell, name: string): Promise<void> => {
      await runInto(`%hint ${name}`, notebook.sessionContext, cell.model.outputs);
      void panel.refresh();
    };

    /** Open lesson `lesson` (the one open, or its file in the panel's language) at piece `name`'s cell. */
    const openPiece = async (name: string, lesson: string): Promise<void> => {
      const holds = (nb: NotebookPanel) => pieceCellIndex(cellsOf(nb).map(c => c.source), name) >= 0;
      let notebook: NotebookPanel | null = null;
      if (tracker.currentWidget && holds(tracker.currentWidget)) {
        notebook = tracker.currentWidget;
      } else {
        tracker.forEach(nb => {
          if (!notebook && holds(nb)) {
            notebook = nb;
          }
        });
      }
      if (!notebook) {
        const files = panel.state?.lessons.find(l => l.lesson === lesson)?.files ?? {};
        const path = (panel.lang === 'zh' ? files.zh ?? files.en : files.en ?? files.zh) ?? null;
        if (!path) {
          window.alert(word('no_lesson', 'Open the lesson of this piece first.'));
          return;
        }
        const opened = docManager.openOrReveal(path) as NotebookPanel | undefined;
        if (!opened) {
          return;
        }
        await opened.context.ready;
        await opened.revealed;
        notebook = opened;
      }
      const found: NotebookPanel = notebook;
      app.shell.activateById(found.id);
      const index = pieceCellIndex(cellsOf(found).map(c => c.source), name);
      if (index < 0) {
        return;
      }
      found.content.activeCellIndex = index;
      found.content.mode = 'command';
      const target = found.content.widgets[index] as Cell;
      await found.content.scrollToCell(target, 'start');
      found.content.node.focus();
    };

    // The state of the workspace the current notebook's kernel judges in.
    const load = (lang: string) => fetchCourse(lang, tracker.currentWidget?.context.path ?? '');
    const panel = new CoursePanel(load, (name, lesson) => void openPiece(name, lesson));
    panel.title.icon = checkIcon;
    panel.title.caption = 'Course';
    panel.lang = panelLanguage(null, null, labLanguage);
    app.shell.add(panel, 'left', { rank: 600 });
    panel.shown.connect(() => Object.values(CommandIDs).forEach(id => app.commands.notifyCommandChanged(id)));

    /** The panel speaks the current lesson's language, and redraws when a lesson's check or hint ran. */
    const follow = (notebook: NotebookPanel | null): void => {
      if (!notebook) {
        return;
      }
      void notebook.context.ready.then(() => {
        const meta = notebook.model?.getMetadata('catdog') as { lang?: string } | undefined;
        const lang = panelLanguage(meta?.lang, notebook.context.path, labLanguage);
        if (lang === panel.lang) {
          void panel.refresh();
        }
        panel.lang = lang;
      });
    };
    tracker.currentChanged.connect((_, notebook) => follow(notebook));
    NotebookActions.executed.connect((_, { cell }) => {
      const source = cell.model.sharedModel.getSource();
      if (/^\s*(%check|%progress|%hint|%%piece)\b/.test(source)) {
        void panel.refresh();
      }
    });

    app.commands.addCommand(CommandIDs.check, {
      label: () => word('check_command', 'Check this piece'),
      caption: () => word('check_caption', 'Save this piece and judge it, as %check does'),
      icon: checkIcon,
      className: 'jp-CatdogButton jp-CatdogButton-check',
      isEnabled: () => activePiece() !== null,
      execute: async () => {
        const active = activePiece();
        if (active) {
          await check(active.panel, active.cell, active.name);
        }
      }
    });
    app.commands.addCommand(CommandIDs.hint, {
      label: () => word('hint_command', 'Next hint'),
      caption: () => word('hint_caption', 'Show the next hint for this piece, as %hint does'),
      className: 'jp-CatdogButton jp-CatdogButton-hint',
      isEnabled: () => activePiece() !== null,
      execute: async () => {
        const active = activePiece();
        if (active) {
          await hint(active.panel, active.cell, active.name);
        }
      }
    });
    app.commands.addCommand(CommandIDs.panel, {
      label: () => word('title', 'Course'),
      execute: () => {
        app.shell.activateById(panel.id);
        void panel.refresh();
      }
    });
    for (const command of Object.values(CommandIDs)) {
      palette?.addItem({ command, category: 'Course' });
    }
    // Shift+Enter and Ctrl+Enter run a cell; Ctrl+Shift+Enter checks a piece, Ctrl+Alt+H shows its next hint
    // (Ctrl+Shift+H is JupyterLab's list of shortcuts).
    app.commands.addKeyBinding({ command: CommandIDs.check, keys: ['Accel Shift Enter'], selector: '.jp-Notebook' });
    app.commands.addKeyBinding({ command: CommandIDs.hint, keys: ['Accel Alt H'], selector: '.jp-Notebook' });

    // The buttons on a piece cell's toolbar: the commands (they act on the active cell, whose toolbar this is),
    // labelled in the panel's language, shown only while the cell is a piece.
    const button = (kind: 'check' | 'hint') => (cell: Cell) => {
      const widget = new CommandToolbarButton({
        commands: app.commands,
        id: CommandIDs[kind],
        label: () => word(kind, kind === 'check' ? 'Check' : 'Hint')
      });
      const update = () => widget.setHidden(pieceName(cell.model.sharedModel.getSource()) === null);
      cell.model.contentChanged.connect(update);
      update();
      return widget;
    };
    if (toolbarRegistry) {
      toolbarRegistry.addFactory('Cell', 'catdog-check', button('check'));
      toolbarRegistry.addFactory('Cell', 'catdog-hint', button('hint'));
    }

    void app.restored.then(() => {
      follow(tracker.currentWidget);
      void panel.refresh();
    });
  }
};

export default plugin;
