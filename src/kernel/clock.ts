/** The time source every service takes (tests drive it). */
export type Clock = () => Date;
