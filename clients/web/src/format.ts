// Officers on different sides of a border work in different time zones, so every
// timestamp is shown in the reader's local zone and in UTC as the shared reference.
import type { Desk } from './api';
import { language, t } from './i18n';

const localFormat = new Intl.DateTimeFormat(language(), {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  timeZoneName: 'short',
});

function parse(iso: string): Date | null {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? null : date;
}

export function formatLocal(iso: string): string {
  const date = parse(iso);
  return date ? localFormat.format(date) : iso;
}

export function formatUtc(iso: string): string {
  const date = parse(iso);
  return date ? `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC` : iso;
}

export function timeElement(iso: string): HTMLTimeElement {
  const node = document.createElement('time');
  node.dateTime = iso;
  node.textContent = `${formatLocal(iso)} · ${formatUtc(iso)}`;
  return node;
}

/** "in 12 min" / "3 h 5 min ago"; null when the timestamp is unparseable. */
export function relativeTo(iso: string, now: number): { text: string; past: boolean } | null {
  const date = parse(iso);
  if (!date) return null;
  const diffMs = date.getTime() - now;
  const past = diffMs < 0;
  const minutes = Math.round(Math.abs(diffMs) / 60_000);
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  const span = hours > 0 ? t('time.hoursMinutes', { hours, minutes: rest }) : t('time.minutes', { minutes });
  return { text: past ? t('time.ago', { span }) : t('time.in', { span }), past };
}

/** Who is on duty at the desk now, until when in the viewer's time, and the desk's own time. */
export function dutyText(desk: Desk): string {
  const duty = desk.onDuty;
  if (!duty.primary) return t('desk.nobody');
  const who = duty.backupName
    ? t('desk.primaryAndBackup', { primary: duty.primaryName ?? duty.primary, backup: duty.backupName })
    : duty.primaryName ?? duty.primary;
  const until = duty.shiftEnds ? t('desk.until', { at: formatLocal(duty.shiftEnds) }) : '';
  const local = duty.localTime ? ` · ${t('desk.localTime', { time: duty.localTime.slice(11, 16), zone: desk.timeZone })}` : '';
  return `${t('desk.onDuty', { who })}${until}${local}`;
}

/** Who takes over at the desk next and from when: in the viewer's time, and in the desk's own time and zone. */
export function nextDutyText(desk: Desk): string | null {
  const duty = desk.onDuty;
  const starts = duty.nextStarts ? parse(duty.nextStarts) : null;
  if (!duty.nextPrimaryName || !starts) return null;
  const who = duty.nextBackupName ? t('desk.primaryAndBackup', { primary: duty.nextPrimaryName, backup: duty.nextBackupName }) : duty.nextPrimaryName;
  let there = '';
  try {
    there = new Intl.DateTimeFormat(language(), { weekday: 'short', hour: '2-digit', minute: '2-digit', timeZone: desk.timeZone }).format(starts);
  } catch {
    there = formatUtc(duty.nextStarts ?? '');
  }
  return t('desk.next', { who, at: formatLocal(duty.nextStarts ?? ''), there, zone: desk.timeZone });
}
