/** The cell's identity and preferences as the Settings page shows and changes them. */
export { getSettings, settingsChanges, updateSettings, writeSettings } from './settings';
