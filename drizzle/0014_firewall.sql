CREATE TABLE `firewall_rules` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`position` integer NOT NULL,
	`source_kind` text NOT NULL,
	`source_group_id` integer,
	`source_peer_id` integer,
	`source_cidr` text,
	`destination_kind` text NOT NULL,
	`destination_service` text,
	`destination_peer_id` integer,
	`destination_cidr` text,
	`protocol` text NOT NULL,
	`ports` text,
	`action` text NOT NULL,
	`note` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`source_group_id`) REFERENCES `peer_groups`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`source_peer_id`) REFERENCES `peers`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`destination_peer_id`) REFERENCES `peers`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `firewall_rules_position` ON `firewall_rules` (`position`,`id`);--> statement-breakpoint
CREATE TABLE `firewall_state` (
	`id` integer PRIMARY KEY NOT NULL,
	`pending_previous` text,
	`confirm_by` integer,
	`rolled_back_at` integer,
	`repaired_at` integer,
	`repair_reason` text
);
--> statement-breakpoint
CREATE TABLE `peer_group_members` (
	`group_id` integer NOT NULL,
	`peer_id` integer NOT NULL,
	PRIMARY KEY(`group_id`, `peer_id`),
	FOREIGN KEY (`group_id`) REFERENCES `peer_groups`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`peer_id`) REFERENCES `peers`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `peer_group_members_peer` ON `peer_group_members` (`peer_id`);--> statement-breakpoint
CREATE TABLE `peer_groups` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`peer_to_peer` integer NOT NULL,
	`services` text NOT NULL,
	`routing_policy` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `peer_groups_name` ON `peer_groups` (lower("name"));--> statement-breakpoint
ALTER TABLE `peers` ADD `peer_to_peer_from_groups` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `peers` ADD `services` text;