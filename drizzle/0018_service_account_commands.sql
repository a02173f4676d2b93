PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_service_accounts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`instance_id` text NOT NULL,
	`peer_id` integer,
	`username` text NOT NULL,
	`password_hash` text NOT NULL,
	`created_at` integer NOT NULL,
	`password_shown_at` integer,
	`applied` text,
	`removing` integer DEFAULT false NOT NULL,
	FOREIGN KEY (`instance_id`) REFERENCES `store_instances`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`peer_id`) REFERENCES `peers`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
INSERT INTO `__new_service_accounts`("id", "instance_id", "peer_id", "username", "password_hash", "created_at", "password_shown_at") SELECT "id", "instance_id", "peer_id", "username", "password_hash", "created_at", "password_shown_at" FROM `service_accounts`;--> statement-breakpoint
DROP TABLE `service_accounts`;--> statement-breakpoint
ALTER TABLE `__new_service_accounts` RENAME TO `service_accounts`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE UNIQUE INDEX `service_accounts_instance_peer` ON `service_accounts` (`instance_id`,`peer_id`);