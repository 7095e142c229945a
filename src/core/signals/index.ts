/** Reward-hacking signals per step, the would-be advantage of an edit, and the attribution label contract. */
export * from './labels';
export * from './stepSignals';
export { kendallTauB } from './kendall';
export { wouldBeAdvantage, type WouldBeAdvantage, type WouldBeAdvantageInput } from './wouldBeAdvantage';
export { answerPrompts, gtTightBox } from './fromAnswer';
export { readSignalRollouts, type SignalLogOptions } from './signalLog';
export { advantageRolloutsOfIndex, isSignFlip, signFlipShare, type SignFlipSeries } from './signFlips';
export { SIGNAL_INFO, type SignalInfo } from './signalInfo';
