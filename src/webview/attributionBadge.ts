import { ATTRIBUTION_LABELS, type AttributionLabel } from '../core/attribution/labels';
import type { RolloutAttribution } from '../shared/protocol';
import { h } from './dom';

/**
 * The rollout's attribution in the panel: a badge with the label (the tooltip says which numbers decided it) and a
 * small select to override it. An override shows as "label (overridden)" with the computed label in the tooltip.
 */
export class AttributionBadge {
  readonly el: HTMLElement;
  private readonly badge: HTMLElement;
  private readonly select: HTMLSelectElement;

  constructor(private readonly onOverride: (label: AttributionLabel | null) => void) {
    this.badge = h('span', { class: 'badge attribution', id: 'attribution-badge' });
    this.select = h('select', { id: 'attribution-override', 'aria-label': 'Override the attribution label' });
    this.select.addEventListener('change', () => {
      const v = this.select.value;
      this.onOverride(v === '' ? null : (v as AttributionLabel));
    });
    this.el = h('span', { class: 'attribution-control', id: 'attribution', hidden: true }, this.badge, this.select);
  }

  /** Show a rollout's attribution; undefined hides the control (no rollout on screen). */
  render(a: RolloutAttribution | undefined): void {
    this.el.hidden = !a;
    if (!a) return;
    const computed = a.computed;
    const shown = a.override ?? computed?.label;
    this.badge.dataset.label = shown ?? '';
    this.badge.classList.toggle('overridden', a.override !== undefined);
    this.badge.textContent = shown === undefined ? 'label: not attributed' : a.override !== undefined ? `${shown} (overridden)` : shown;
    const why = computed ? `${computed.label}: ${computed.explanation}${computed.flags.length > 1 ? ` (flags: ${computed.flags.join(', ')})` : ''}. Oracle by ${computed.segmenter}.` : 'Not attributed: run "Seg-R1: Attribute Failures".';
    this.badge.title = a.override !== undefined ? `Overridden by you: ${a.override}. Computed label: ${why}` : why;
    // The select's options: "computed" (no override) and every label.
    while (this.select.firstChild) this.select.firstChild.remove();
    this.select.append(h('option', { value: '' }, computed ? `auto (${computed.label})` : 'auto'));
    for (const l of ATTRIBUTION_LABELS) this.select.append(h('option', { value: l }, l));
    this.select.value = a.override ?? '';
    this.select.disabled = a.readOnly !== undefined;
    this.select.title = a.readOnly ?? 'Override the label (saved in .segr1/annotations.json)';
  }
}
