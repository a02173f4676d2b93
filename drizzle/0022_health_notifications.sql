CREATE TABLE `health_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` integer NOT NULL,
	`component` text NOT NULL,
	`state` text NOT NULL,
	`detail` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `health_events_at` ON `health_events` (`at`);--> statement-breakpoint
CREATE TABLE `health_state` (
	`component` text PRIMARY KEY NOT NULL,
	`state` text NOT NULL,
	`detail` text NOT NULL,
	`since` integer NOT NULL,
	`checked_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `notification_settings` (
	`id` integer PRIMARY KEY NOT NULL,
	`url` text,
	`format` text DEFAULT 'json' NOT NULL,
	`last_sent_at` integer,
	`last_error` text
);
