/**
 * What the extension reads in a notebook's text, with no JupyterLab object:
 * which piece a cell holds, where its %check cell is, the lesson's language,
 * and the panel's words with their {placeholders} filled in.
 */

/** The piece a cell's source holds (`%%piece NAME` on its first line), or null. */
export function pieceName(source: string): string | null {
  const first = source.replace(/^\s+/, '').split('\n', 1)[0];
  const match = /^%%piece\s+([A-Za-z_]\w*)\s*$/.exec(first);
  return match ? match[1] : null;
}

/** Whether a cell's source is the `%check NAME` cell of piece `name`. */
export function isCheckOf(source: string, name: string): boolean {
  return new RegExp(`^\\s*%check\\s+${name}\\s*$`).test(source);
}

/**
 * The index of the `%check NAME` cell that judges the piece at `index`: the
 * next code cell, when it is that cell (the build puts it right after), else -1.
 */
export function checkCellIndex(
  cells: { type: string; source: string }[],
  index: number,
  name: string
): number {
  for (let i = index + 1; i < cells.length; i++) {
    if (cells[i].type !== 'code') {
      continue;
    }
    return isCheckOf(cells[i].source, name) ? i : -1;
  }
  return -1;
}

/** The index of the cell that holds piece `name`, or -1. */
export function pieceCellIndex(sources: string[], name: string): number {
  return sources.findIndex(source => pieceName(source) === name);
}

/**
 * The panel's language: the lesson's own (its notebook metadata
 * `catdog.lang`, or a lesson under a `zh/` folder), else JupyterLab's.
 */
export function panelLanguage(
  lessonLang: unknown,
  path: string | null,
  labLanguage: string
): 'en' | 'zh' {
  if (lessonLang === 'zh' || lessonLang === 'en') {
    return lessonLang;
  }
  if (path && /(^|\/)zh\/\d\d_[^/]*\.ipynb$/.test(path)) {
    return 'zh';
  }
  return labLanguage.toLowerCase().startsWith('zh') ? 'zh' : 'en';
}

/** A word of the catalogue with its `{name}` placeholders filled in. */
export function fill(
  template: string,
  values: { [name: string]: string | number }
): string {
  return template.replace(/\{(\w+)\}/g, (whole, name) =>
    name in values ? String(values[name]) : whole
  );
}
