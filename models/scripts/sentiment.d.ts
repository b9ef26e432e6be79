/** The part of npm `sentiment` (AFINN-165) the evaluation uses; the package ships no types. */
declare module 'sentiment' {
  export default class Sentiment {
    analyze(text: string): { score: number; comparative: number };
  }
}
