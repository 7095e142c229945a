/**
 * Overlay colours: the Okabe–Ito colour-blind-safe set, so TP/FP/FN and +/− points stay distinct for
 * deuteranopes and protanopes. Text and chrome colours come from the VS Code theme via CSS variables.
 */
export const PALETTE = {
  gt: [0, 158, 115] as const, // bluish green
  mask: [0, 114, 178] as const, // blue
  tp: [0, 158, 115] as const, // bluish green
  fp: [213, 94, 0] as const, // vermillion
  fn: [240, 228, 66] as const, // yellow
  positive: '#009E73',
  negative: '#D55E00',
  box: '#E69F00', // orange
  highlight: '#CC79A7', // reddish purple
} as const;
