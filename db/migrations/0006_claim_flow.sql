ALTER TABLE `claims` ADD `status` text DEFAULT 'submitted' NOT NULL;--> statement-breakpoint
ALTER TABLE `claims` ADD `item_ids` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `claims` ADD `status_at` text;--> statement-breakpoint
ALTER TABLE `claims` ADD `agency_message` text;--> statement-breakpoint
ALTER TABLE `claims` ADD `withdraw_msgid` text;--> statement-breakpoint
ALTER TABLE `claims` ADD `withdraw_reason` text;--> statement-breakpoint
ALTER TABLE `claims` ADD `paid_amount` text;--> statement-breakpoint
ALTER TABLE `deferrals` ADD `clerk_id` integer REFERENCES clerks(id);--> statement-breakpoint
ALTER TABLE `deferrals` ADD `decision_note` text;--> statement-breakpoint
CREATE INDEX `deferrals_settlement` ON `deferrals` (`settlement_id`);--> statement-breakpoint
ALTER TABLE `review_deductions` ADD `agency_id` text;--> statement-breakpoint
ALTER TABLE `review_deductions` ADD `setl_id` text;--> statement-breakpoint
ALTER TABLE `review_deductions` ADD `issued_on` text;--> statement-breakpoint
ALTER TABLE `review_deductions` ADD `agency_status` text DEFAULT 'issued' NOT NULL;--> statement-breakpoint
ALTER TABLE `review_deductions` ADD `note` text;--> statement-breakpoint
ALTER TABLE `review_deductions` ADD `answered_at` text;--> statement-breakpoint
ALTER TABLE `review_deductions` ADD `answered_by` integer REFERENCES clerks(id);--> statement-breakpoint
ALTER TABLE `review_deductions` ADD `answer_msgid` text;--> statement-breakpoint
CREATE UNIQUE INDEX `review_deductions_agency_id_unique` ON `review_deductions` (`agency_id`);--> statement-breakpoint
CREATE INDEX `claim_items_claim` ON `claim_items` (`claim_id`);