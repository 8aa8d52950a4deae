import { renderCourse, statusWords } from '../panel';
import { ICourseState, IPiece } from '../state';

const WORDS = {
  title: 'Course',
  lesson: 'Lesson {lesson}',
  not_started: 'not started',
  saved: 'saved, not checked yet',
  passed: 'passing',
  failed: 'failing',
  changed: 'changed since this verdict: press Check',
  checks: '{passed} of {total} checks pass',
  points: '{earned} / {points} points',
  hints: 'hints seen: {seen} of {count}',
  total: 'Total: {earned} of {points} points',
  workspace: 'Your pieces are saved in {workspace}',
  open_caption: "Open this piece's cell in its lesson"
};

function piece(name: string, more: Partial<IPiece> = {}): IPiece {
  return {
    name, title: `the ${name}`, state: 'not_started', changed: false, message: null,
    passed: 0, total: 0, earned: 0, points: 2, hints_seen: 0, hints_count: 3, ...more
  };
}

function state(): ICourseState {
  return {
    lang: 'en', workspace: '/home/me/my_pieces', words: WORDS, earned: 2, points: 6,
    lessons: [{
      lesson: '02', heading: 'Lesson 02', title: 'Data and splits', files: { en: 'lessons/02.ipynb' },
      earned: 2, points: 6,
      pieces: [
        piece('label_from_filename', { state: 'passed', passed: 4, total: 4, earned: 2 }),
        piece('split_items', { state: 'failed', passed: 3, total: 5, message: 'the split is not stratified', hints_seen: 2 }),
        piece('arrange_imagefolder', { state: 'saved', changed: false })
      ]
    }]
  };
}

describe('renderCourse', () => {
  it('shows each piece with its state, reason, points and hints seen', () => {
    const root = renderCourse(state(), () => undefined);
    const items = root.querySelectorAll('.jp-CatdogPanel-piece');
    expect(items.length).toBe(3);
    const failing = root.querySelector('[data-piece="split_items"]') as HTMLElement;
    expect(failing.dataset.state).toBe('failed');
    expect(failing.textContent).toContain('failing · 3 of 5 checks pass');
    expect(failing.querySelector('.jp-CatdogPanel-reason')!.textContent).toBe('the split is not stratified');
    expect(failing.querySelector('.jp-CatdogPanel-hints')!.textContent).toBe('hints seen: 2 of 3');
    expect(failing.textContent).toContain('0 / 2 points');
    const passing = root.querySelector('[data-piece="label_from_filename"]') as HTMLElement;
    expect(passing.textContent).toContain('2 / 2 points');
    expect(passing.querySelector('.jp-CatdogPanel-reason')).toBeNull();
    expect(passing.querySelector('.jp-CatdogPanel-hints')).toBeNull();
    expect(root.querySelector('[data-piece="arrange_imagefolder"]')!.textContent).toContain('saved, not checked yet');
    expect(root.querySelector('.jp-CatdogPanel-total')!.textContent).toBe('Total: 2 of 6 points');
    expect(root.querySelector('.jp-CatdogPanel-lessonHeading')!.textContent).toContain('Lesson 02 · Data and splits');
  });

  it('opens a piece on a click and on Enter, and marks a piece changed since its verdict', () => {
    const opened: string[] = [];
    const s = state();
    s.lessons[0].pieces[1].changed = true;
    const root = renderCourse(s, (name, lesson) => opened.push(`${lesson}:${name}`));
    const item = root.querySelector('[data-piece="split_items"]') as HTMLElement;
    item.click();
    item.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter' }));
    item.dispatchEvent(new KeyboardEvent('keydown', { key: 'a' }));
    expect(opened).toEqual(['02:split_items', '02:split_items']);
    expect(item.tabIndex).toBe(0);
    expect(item.querySelector('.jp-CatdogPanel-changed')!.textContent).toContain('press Check');
  });

  it('speaks the language it is given', () => {
    const s = state();
    s.lang = 'zh';
    s.words = { ...WORDS, failed: '未通过', checks: '{passed} / {total} 项检查通过' };
    const root = renderCourse(s, () => undefined);
    expect(root.lang).toBe('zh-CN');
    expect(statusWords(s.lessons[0].pieces[1], s.words)).toBe('未通过 · 3 / 5 项检查通过');
  });
});
