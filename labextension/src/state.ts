/** The Course panel's state as the server extension sends it (`GET /catdog/course`). */

export type PieceState = 'not_started' | 'saved' | 'passed' | 'failed';

export interface IPiece {
  name: string;
  title: string;
  state: PieceState;
  changed: boolean;
  message: string | null;
  passed: number;
  total: number;
  earned: number;
  points: number;
  hints_seen: number;
  hints_count: number;
}

export interface ILesson {
  lesson: string;
  heading: string;
  title: string;
  files: { en?: string; zh?: string };
  pieces: IPiece[];
  earned: number;
  points: number;
}

export interface ICourseState {
  lang: 'en' | 'zh';
  workspace: string;
  words: { [key: string]: string };
  lessons: ILesson[];
  earned: number;
  points: number;
}
