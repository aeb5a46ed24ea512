// Defender for Cloud Apps records as CEF, byte-compatible with the retired SIEM agent
// (docs/cef.md): the mappings fill a CefEvent, the shared writer makes the line.
import { CefEvent, createCefWriter, severityMapper, type CefOptions, type CefWriter, type OwnEvent } from '../../../cef/index.js';
import type { MdcaActivity, MdcaAlert } from '../types.js';
import { mapActivity } from './activity.js';
import { mapAlert } from './alert.js';
import { appTokenizer } from './apps.js';

export { KNOWN_APP_NAMES } from './apps.js';

export interface MdcaFormatter {
  alert(alert: MdcaAlert): string;
  activity(activity: MdcaActivity): string;
  own(event: OwnEvent): string;
}

/** Formats on `writer` (or one built from `options`, validated: throws CONFIG_INVALID naming every bad option). */
export function createFormatter(options: CefOptions, writer: CefWriter = createCefWriter(options)): MdcaFormatter {
  const alertMapping = { appToken: appTokenizer(options.appNames), severity: severityMapper(options.severityMap) };
  const activityMapping = { appToken: alertMapping.appToken, portalUrl: (options.portalUrl ?? '').replace(/\/+$/, '') };
  return {
    alert(alert: MdcaAlert): string {
      const ev = new CefEvent();
      return writer.line(ev, mapAlert(alert ?? ({} as MdcaAlert), alertMapping, ev));
    },
    activity(activity: MdcaActivity): string {
      const ev = new CefEvent();
      return writer.line(ev, mapActivity(activity ?? ({} as MdcaActivity), activityMapping, ev));
    },
    own: (event) => writer.own(event),
  };
}
