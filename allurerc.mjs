// Allure Report 3 configuration for `npm run report`: one group per feature file.
import { defineConfig } from "allure";

export default defineConfig({
  name: "Hybrid session store: scenarios",
  output: "./allure-report",
  plugins: {
    awesome: {
      options: { reportName: "Hybrid session store: scenarios", groupBy: ["feature"] },
    },
  },
});
