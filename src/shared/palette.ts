/**
 * Overlay colours: the Okabe–Ito colour-blind-safe set, one colour per meaning, so that a green pixel is always a
 * true positive and never also a + point or the GT outline. Prompts (sky blue +, reddish purple −, orange box) share
 * no hue with the error map (green TP, vermillion FP, yellow FN) or the mask (blue); the GT outline is white on a
 * black halo, which reads on light and dark images alike. Text and chrome colours come from the VS Code theme.
 */
export const PALETTE = {
  gt: [255, 255, 255] as const, // white, on…
  gtHalo: [0, 0, 0] as const, // …a black halo
  mask: [0, 114, 178] as const, // blue
  tp: [0, 158, 115] as const, // bluish green
  fp: [213, 94, 0] as const, // vermillion
  fn: [240, 228, 66] as const, // yellow
  positive: '#56B4E9', // sky blue
  negative: '#CC79A7', // reddish purple
  box: '#E69F00', // orange
  unlabelled: '#8C8C8C', // neutral grey: a point with no label is neither + nor −
  highlight: '#FFFFFF', // a hovered glyph: white and thicker (emphasis, not a meaning)
  // The oracle outline: magenta, outside the Okabe–Ito set every other meaning uses, dashed on a black halo so it
  // differs from the solid GT outline and the TP/FP/FN fills by pattern too.
  oracle: [255, 0, 255] as const,
  oracleHalo: [0, 0, 0] as const,
} as const;
