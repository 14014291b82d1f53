CREATE TABLE `outpatient_voids` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`otp_settlement_id` integer NOT NULL,
	`detail_id` integer NOT NULL,
	`reason` text NOT NULL,
	`request_id` integer,
	`clerk_id` integer,
	`at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`otp_settlement_id`) REFERENCES `outpatient_settlements`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`detail_id`) REFERENCES `reconciliation_details`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`request_id`) REFERENCES `outpatient_requests`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`clerk_id`) REFERENCES `clerks`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `outpatient_voids_otp_settlement_id_unique` ON `outpatient_voids` (`otp_settlement_id`);