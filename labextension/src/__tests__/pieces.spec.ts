import {
  checkCellIndex,
  fill,
  isCheckOf,
  panelLanguage,
  pieceCellIndex,
  pieceName
} from '../pieces';

describe('pieceName', () => {
  it('reads the piece on a %%piece line', () => {
    expect(pieceName('%%piece split_items\ndef split_items(items):\n    pass')).toBe('split_items');
    expect(pieceName('  %%piece   build_model  \n')).toBe('build_model');
  });

  it('is null for any other cell', () => {
    expect(pieceName('%check split_items')).toBeNull();
    expect(pieceName('# %%piece split_items')).toBeNull();
    expect(pieceName('x = 1\n%%piece split_items')).toBeNull();
    expect(pieceName('%%piece two names')).toBeNull();
    expect(pieceName('')).toBeNull();
  });
});

describe('checkCellIndex', () => {
  const cells = [
    { type: 'markdown', source: '# Split' },
    { type: 'code', source: '%%piece split_items\ndef split_items(): ...' },
    { type: 'markdown', source: 'Now check it:' },
    { type: 'code', source: '%check split_items' },
    { type: 'code', source: '%%piece arrange_imagefolder\n...' },
    { type: 'code', source: 'print(1)' }
  ];

  it('finds the %check cell after its piece, past markdown', () => {
    expect(checkCellIndex(cells, 1, 'split_items')).toBe(3);
  });

  it('is -1 when the next code cell checks nothing, or another piece', () => {
    expect(checkCellIndex(cells, 4, 'arrange_imagefolder')).toBe(-1);
    expect(checkCellIndex(cells, 1, 'label_from_filename')).toBe(-1);
    expect(checkCellIndex(cells, 5, 'split_items')).toBe(-1);
  });

  it('does not take %check of a longer name', () => {
    expect(isCheckOf('%check split_items_v2', 'split_items')).toBe(false);
    expect(isCheckOf('  %check split_items \n', 'split_items')).toBe(true);
  });
});

describe('pieceCellIndex', () => {
  it('finds the cell that holds a piece', () => {
    expect(pieceCellIndex(['x', '%%piece a\n', '%%piece b\n'], 'b')).toBe(2);
    expect(pieceCellIndex(['x'], 'b')).toBe(-1);
  });
});

describe('panelLanguage', () => {
  it("takes the lesson's language first", () => {
    expect(panelLanguage('zh', 'lessons/02_data_and_splits.ipynb', 'en')).toBe('zh');
    expect(panelLanguage('en', 'lessons/zh/02_data_and_splits.ipynb', 'zh_CN')).toBe('en');
  });

  it('reads a lesson under zh/ as Chinese', () => {
    expect(panelLanguage(undefined, 'lessons/zh/02_data_and_splits.ipynb', 'en')).toBe('zh');
    expect(panelLanguage(undefined, 'zhong/02_x.ipynb', 'en')).toBe('en');
  });

  it("falls back on JupyterLab's language", () => {
    expect(panelLanguage(undefined, null, 'zh_CN')).toBe('zh');
    expect(panelLanguage(undefined, 'notes.ipynb', 'en-US')).toBe('en');
  });
});

describe('fill', () => {
  it('fills named placeholders and keeps unknown ones', () => {
    expect(fill('{passed} of {total} checks pass', { passed: 3, total: 5 })).toBe('3 of 5 checks pass');
    expect(fill('总分：{earned} / {points} 分', { earned: 2, points: 17 })).toBe('总分：2 / 17 分');
    expect(fill('{a} {b}', { a: 1 })).toBe('1 {b}');
  });
});
