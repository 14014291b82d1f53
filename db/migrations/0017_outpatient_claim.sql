CREATE TABLE `outpatient_claim_items` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`claim_id` integer NOT NULL,
	`otp_settlement_id` integer NOT NULL,
	`released_at` text,
	FOREIGN KEY (`claim_id`) REFERENCES `claims`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`otp_settlement_id`) REFERENCES `outpatient_settlements`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `outpatient_claim_items_claim` ON `outpatient_claim_items` (`claim_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `outpatient_claim_items_live` ON `outpatient_claim_items` (`otp_settlement_id`) WHERE released_at IS NULL;--> statement-breakpoint
ALTER TABLE `claims` ADD `clr_type` text DEFAULT '21' NOT NULL;--> statement-breakpoint
ALTER TABLE `reconciliation_runs` ADD `clr_type` text DEFAULT '21' NOT NULL;