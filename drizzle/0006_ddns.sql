CREATE TABLE `ddns_state` (
	`id` integer PRIMARY KEY NOT NULL,
	`sources` text NOT NULL,
	`dyndns2_server` text,
	`dyndns2_username` text,
	`dyndns2_password_enc` text,
	`dyndns2_hostname` text,
	`published_address` text,
	`last_discovered` text,
	`last_update_at` integer,
	`last_check_at` integer,
	`last_error` text,
	`failures` integer NOT NULL,
	`next_attempt_at` integer,
	`updated_at` integer NOT NULL
);
