// The screens of the app and how the navigation names them.
export type ScreenId = 'calendar' | 'wizard' | 'status' | 'landscape' | 'access';

export interface Screen {
  id: ScreenId;
  title: string;
}

export const SCREENS: readonly Screen[] = [
  { id: 'calendar', title: 'Planning calendar' },
  { id: 'wizard', title: 'Update wizard' },
  { id: 'status', title: 'Update status' },
  { id: 'landscape', title: 'Landscape' },
  { id: 'access', title: 'Users & audit' },
];

/** Reads the screen from a location hash like `#/status`; unknown hashes fall back to the calendar. */
export function screenFromHash(hash: string): ScreenId {
  const id = hash.replace(/^#\/?/, '');
  return SCREENS.find((s) => s.id === id)?.id ?? 'calendar';
}
