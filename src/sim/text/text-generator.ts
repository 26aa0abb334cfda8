// Deterministic pseudo-text: token i of an answer is a pure function of (the answer's seed, i), so text is
// produced lazily, only when a client reads it, in any order. Every piece is one cl100k_base token and the
// pieces never merge when concatenated, so re-tokenizing an answer gives back its token count.
import { hash2 } from './prng.js';

/** 256 common English words; with a leading space each is a single cl100k_base token (checked by the tests). */
export const WORDS: readonly string[] = (
  'the of and to in is that for it as with was on be by this are from at or have an they which one you were her all ' +
  'she there would their we him been has when who will more no if out so said what up its about into than them can ' +
  'only other new some could time these two may then do first any my now such like our over man me even most made ' +
  'after also did many before must through back years where much your way well down should because each just those ' +
  'people how too little state good very make world still own see men work long get here between both life being ' +
  'under never day same another know while last might us great old year off come since against go came right used ' +
  'take three states himself few house use during without again place around however home small found thought went ' +
  'say part once general high upon school every does got united left number course war until always away something ' +
  'fact though water less public put think almost hand enough far took head yet government system better set told ' +
  'nothing night end why called find going look asked later knew point next program city business give group toward ' +
  'young days let room president side social given present several order national possible rather second face per ' +
  'among form important often looked early white case become large big need four within felt along children ' +
  'saw best church ever least power development'
).split(' ');

/** Sentence openers; single tokens both bare (first token) and with a leading space. */
export const STARTERS: readonly string[] = [
  'The',
  'In',
  'This',
  'It',
  'We',
  'Here',
  'For',
  'When',
  'As',
  'On',
  'There',
  'A',
];

/** The refusal the `refusals` fault answers with, as its cl100k_base tokens. */
export const REFUSAL_PIECES: readonly string[] = [
  'I',
  "'m",
  ' sorry',
  ',',
  ' but',
  ' I',
  ' can',
  "'t",
  ' help',
  ' with',
  ' that',
  '.',
];

const SPACED_WORDS = WORDS.map((w) => ` ${w}`);
const SPACED_STARTERS = STARTERS.map((w) => ` ${w}`);

/** Share of positions (in %) that hold a full stop and a comma. */
const PERIOD_PCT = 6;
const COMMA_PCT = 4;

function rawPunct(seed: number, i: number): number {
  if (i < 3) return 0;
  const r = hash2(seed, i) % 100;
  return r < PERIOD_PCT ? 1 : r < PERIOD_PCT + COMMA_PCT ? 2 : 0;
}

/** 0 = word, 1 = full stop, 2 = comma. At least three words between punctuation marks. */
function punctAt(seed: number, i: number): number {
  const p = rawPunct(seed, i);
  return p !== 0 && rawPunct(seed, i - 1) === 0 && rawPunct(seed, i - 2) === 0 && rawPunct(seed, i - 3) === 0 ? p : 0;
}

/**
 * Text of output token `i` (0-based) of the answer seeded with `seed`.
 *
 * @example pieceAt(7, 0) + pieceAt(7, 1) // e.g. "Here the"
 */
export function pieceAt(seed: number, i: number): string {
  if (i === 0) return STARTERS[hash2(seed, 0x5eed) % STARTERS.length]!;
  const p = punctAt(seed, i);
  if (p === 1) return '.';
  if (p === 2) return ',';
  const h = hash2(seed ^ 0x2545f491, i);
  if (punctAt(seed, i - 1) === 1) return SPACED_STARTERS[h % SPACED_STARTERS.length]!;
  return SPACED_WORDS[h & 0xff]!;
}

/** Text of tokens [from, to) of an answer. */
export function textOf(seed: number, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i++) s += pieceAt(seed, i);
  return s;
}
