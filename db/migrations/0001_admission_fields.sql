ALTER TABLE `admissions` ADD `atddr_no` text;--> statement-breakpoint
ALTER TABLE `outside_exam_slips` ADD `diagnosis` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `outside_exam_slips` ADD `clerk_id` integer REFERENCES clerks(id);