CREATE TABLE `cell_traffic` (
	`tier` integer NOT NULL,
	`at` integer NOT NULL,
	`rx` integer NOT NULL,
	`tx` integer NOT NULL,
	`online` integer NOT NULL,
	PRIMARY KEY(`tier`, `at`)
) WITHOUT ROWID;
--> statement-breakpoint
CREATE TABLE `peer_counters` (
	`peer_id` integer PRIMARY KEY NOT NULL,
	`rx` integer NOT NULL,
	`tx` integer NOT NULL,
	FOREIGN KEY (`peer_id`) REFERENCES `peers`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `peer_endpoints` (
	`peer_id` integer NOT NULL,
	`endpoint` text NOT NULL,
	`first_seen` integer NOT NULL,
	`last_seen` integer NOT NULL,
	PRIMARY KEY(`peer_id`, `endpoint`),
	FOREIGN KEY (`peer_id`) REFERENCES `peers`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `peer_traffic` (
	`peer_id` integer NOT NULL,
	`tier` integer NOT NULL,
	`at` integer NOT NULL,
	`rx` integer NOT NULL,
	`tx` integer NOT NULL,
	PRIMARY KEY(`peer_id`, `tier`, `at`),
	FOREIGN KEY (`peer_id`) REFERENCES `peers`(`id`) ON UPDATE no action ON DELETE cascade
) WITHOUT ROWID;
--> statement-breakpoint
ALTER TABLE `config_applies` ADD `waiting` integer DEFAULT false NOT NULL;